/**
 * The cohort filter of the cohort, continuation, LTV and migration pages: a select of the
 * snapshot's cuts (URL parameter `cut`, so a filtered view can be bookmarked and shared) and
 * the line that states the filter and its base, in a card.
 */
import type { ReactNode } from "react";
import { useSearchParams } from "@remix-run/react";
import { BlockStack, Card, Select, Text } from "@shopify/polaris";
import type { SelectGroup } from "@shopify/polaris";
import { channelMessageKey } from "../channel-names";
import type { Format } from "../format";
import type { MessageKey } from "../messages/en";
import { useI18n, type Translator } from "../i18n";
import type { CohortFilterChoice, CohortFilterView } from "../pages/cohort-filter.server";

const DIMENSIONS = ["channel", "campaign", "product", "first_order", "discount"] as const;

/** The choice's name: channel label or default name, title, or the value in words. */
export function choiceName(choice: CohortFilterChoice, i18n: Translator): string {
  const { t } = i18n;
  switch (choice.dimension) {
    case "channel": {
      const key = channelMessageKey(choice.value);
      return choice.label ?? (key ? t(key as MessageKey) : choice.value);
    }
    case "product":
      return choice.label ?? t("entry.productId", { id: choice.value });
    case "campaign":
      return choice.value;
    default:
      return t(`cohortFilter.${choice.dimension}.${choice.value}` as MessageKey);
  }
}

function groupTitle(
  dimension: (typeof DIMENSIONS)[number],
  view: CohortFilterView,
  i18n: Translator,
): string {
  const n =
    dimension === "campaign" ? view.topCampaigns : dimension === "product" ? view.topProducts : 0;
  return i18n.t(`cohortFilter.group.${dimension}` as MessageKey, { n });
}

type AppliedMessage =
  "cohortFilter.applied" | "cohortFilter.appliedLtv" | "cohortFilter.appliedMigration";

/**
 * The filter in its card, as each cohort page shows it. Without a filter view (no snapshot
 * yet) the card holds `fallback`, or is left out when there is none.
 */
export function CohortFilterCard({
  filter,
  asOfDate,
  format,
  note,
  applied,
  fallback,
}: {
  filter: CohortFilterView | null | undefined;
  asOfDate: string | null;
  format: Format;
  /** What the filter covers on this page. */
  note: string;
  /** The base line's message when filtered (what counts only the cut's customers). */
  applied?: AppliedMessage;
  fallback?: ReactNode;
}) {
  const i18n = useI18n();
  if (!filter && fallback === undefined) return null;
  return (
    <Card>
      {filter ? (
        <CohortFilter
          view={filter}
          i18n={i18n}
          format={format}
          asOfDate={asOfDate}
          note={note}
          applied={applied}
        />
      ) : (
        fallback
      )}
    </Card>
  );
}

function CohortFilter({
  view,
  i18n,
  format,
  asOfDate,
  note,
  applied = "cohortFilter.applied",
}: {
  view: CohortFilterView;
  i18n: Translator;
  format: Format;
  asOfDate: string | null;
  note: string;
  applied?: AppliedMessage;
}) {
  const { t } = i18n;
  const [params, setParams] = useSearchParams();
  if (!view.available) {
    return (
      <Text as="p" variant="bodySm" tone="subdued">
        <span data-testid="cohort-filter-unavailable">{t("cohortFilter.unavailable")}</span>
      </Text>
    );
  }
  const groups: SelectGroup[] = DIMENSIONS.map((dimension) => ({
    title: groupTitle(dimension, view, i18n),
    options: view.choices
      .filter((c) => c.dimension === dimension)
      .map((c) => ({
        label: t("cohortFilter.option", {
          name: choiceName(c, i18n),
          customers: format.number(c.customers),
        }),
        value: c.key,
      })),
  })).filter((g) => g.options.length > 0);
  const selected = view.selected;
  const date = asOfDate ? format.date(asOfDate) : "";
  const onChange = (value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set("cut", value);
    else next.delete("cut");
    setParams(next, { preventScrollReset: true });
  };
  return (
    <BlockStack gap="100">
      <div data-testid="cohort-filter">
        <Select
          label={t("cohortFilter.label")}
          labelInline
          options={[{ label: t("cohortFilter.all"), value: "" }, ...groups]}
          value={selected?.key ?? ""}
          onChange={onChange}
        />
      </div>
      <Text as="p" variant="bodySm">
        <span data-testid="cohort-filter-base">
          {selected
            ? t(applied, {
                dimension: groupTitle(selected.dimension, view, i18n),
                name: choiceName(selected, i18n),
                customers: format.number(selected.customers),
                total: format.number(view.customers),
                date,
              })
            : t("cohortFilter.none", { total: format.number(view.customers), date })}
        </span>
      </Text>
      {selected && (
        <Text as="p" variant="bodySm" tone="subdued">
          {note}
        </Text>
      )}
      {selected?.dimension === "discount" && view.discountUnknown > 0 && (
        <Text as="p" variant="bodySm" tone="subdued">
          {t("cohortFilter.discountUnknown", { n: format.number(view.discountUnknown) })}
        </Text>
      )}
      {view.unknownKey && (
        <Text as="p" variant="bodySm" tone="caution">
          <span data-testid="cohort-filter-unknown">
            {t("cohortFilter.unknown", { key: view.unknownKey })}
          </span>
        </Text>
      )}
    </BlockStack>
  );
}
