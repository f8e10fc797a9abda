import { describe, expect, it } from "vitest";
import { heatShade } from "../../app/components/Heatmap";

/** WCAG 2 relative luminance and contrast ratio. */
function luminance(color: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(color.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
const contrast = (a: string, b: string) => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
};

describe("heatmap shades", () => {
  it("keep every cell's text at 4.5:1 or more, from the lightest to the darkest", () => {
    let previous = Infinity;
    for (let k = 0; k <= 1000; k++) {
      const { background, color } = heatShade(k / 1000);
      expect(contrast(background, color), `t=${k / 1000}`).toBeGreaterThanOrEqual(4.5);
      // Darker as the value grows.
      expect(luminance(background)).toBeLessThanOrEqual(previous);
      previous = luminance(background);
    }
    expect(heatShade(-1)).toEqual(heatShade(0));
    expect(heatShade(2)).toEqual(heatShade(1));
  });
});
