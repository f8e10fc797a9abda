/**
 * How a bucket of the KPI history is named: "2025年 第1四半期" / "Q1 2025", "2025年度" /
 * "FY2025" with a fiscal year (named after the year it starts in), a range for 12-month spans
 * and custom ranges.
 */
import type { Granularity } from "../analytics/periods";
import type { Format } from "../format";
import type { Translator } from "../i18n";

export function periodLabel(
  i18n: Pick<Translator, "t">,
  format: Format,
  granularity: Granularity,
  fiscalStartMonth: number,
  month: string,
  end: string,
): string {
  const { t } = i18n;
  const year = Number(month.slice(0, 4));
  const m = Number(month.slice(5, 7));
  const fiscalYear = m >= fiscalStartMonth ? year : year - 1;
  const fiscal = fiscalStartMonth !== 1;
  switch (granularity) {
    case "month":
      return format.month(month);
    case "quarter": {
      const quarter = Math.floor(((((m - fiscalStartMonth) % 12) + 12) % 12) / 3) + 1;
      return fiscal
        ? t("period.fiscalQuarterLabel", { year: fiscalYear, quarter })
        : t("period.quarterLabel", { year, quarter });
    }
    case "year":
      return fiscal
        ? t("period.fiscalYearLabel", { year: fiscalYear })
        : t("period.yearLabel", { year });
    default:
      return t("period.rangeLabel", {
        from: format.month(month),
        to: end === "" ? format.month(month) : format.month(end.slice(0, 7)),
      });
  }
}
