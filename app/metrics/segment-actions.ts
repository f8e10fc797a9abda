/**
 * The recommended action shown next to each RFM segment. Defaults are written per default
 * segment id; a merchant's own rule gets the default of the archetype its R and FM ranges
 * fall in, and settings.segmentActions overrides either. Pure: shared by the compute (the
 * snapshot carries the action in force) and the settings page (to show the default).
 */
import type { SegmentRule } from "../analytics/rfm";

export const DEFAULT_SEGMENT_ACTIONS: Readonly<Record<string, string>> = {
  champions:
    "Reward them: early access to new products, a loyalty perk or a referral programme, and ask for reviews. They do not need discounts.",
  loyal:
    "Upsell and cross-sell: recommend higher-value and complementary products, and invite them to a membership or subscription.",
  potential_loyalist:
    "Build the habit: bundle offers and a free-shipping threshold just above their usual basket, plus recommendations based on their last purchase.",
  new: "Welcome them: onboarding messages, how-to content and an incentive for a second purchase within the first weeks.",
  promising:
    "Repurchase offer: a time-limited coupon or a sample of a related product to turn one recent purchase into a second.",
  need_attention:
    "Re-engage before they drift: personalised recommendations and a limited-time offer on what they usually buy.",
  about_to_sleep:
    "Reactivate: remind them of what they bought, share bestsellers and make a modest offer.",
  cant_lose_them:
    "Win back personally: a strong offer on what they used to buy, a short survey or a personal message before a competitor wins them.",
  at_risk:
    "Win-back campaign: personalised reminders, replenishment or renewal offers and useful content about their past purchases.",
  hibernating:
    "Low-cost reactivation: include them in seasonal promotions only; avoid heavy spend on this group.",
  lost: "One last reactivation attempt; if there is no response, stop paid targeting for them.",
};

const mid = (range: readonly [number, number]): number => (range[0] + range[1]) / 2;

/** Default action of a rule: by id for the default segments, else by its R × FM position. */
export function defaultSegmentAction(rule: SegmentRule): string {
  const known = DEFAULT_SEGMENT_ACTIONS[rule.id];
  if (known !== undefined) return known;
  const r = mid(rule.recency);
  const fm = mid(rule.fm);
  if (r >= 4) {
    if (fm >= 3.5) return DEFAULT_SEGMENT_ACTIONS.champions;
    return fm <= 1.5
      ? DEFAULT_SEGMENT_ACTIONS.promising
      : DEFAULT_SEGMENT_ACTIONS.potential_loyalist;
  }
  if (r >= 2.5) return DEFAULT_SEGMENT_ACTIONS.need_attention;
  return fm >= 3 ? DEFAULT_SEGMENT_ACTIONS.cant_lose_them : DEFAULT_SEGMENT_ACTIONS.hibernating;
}

/** The action in force: the merchant's text when set and not blank, else the default. */
export function segmentAction(
  rule: SegmentRule,
  overrides: Readonly<Record<string, string>>,
): { text: string; custom: boolean } {
  const own = overrides[rule.id]?.trim();
  return own ? { text: own, custom: true } : { text: defaultSegmentAction(rule), custom: false };
}
