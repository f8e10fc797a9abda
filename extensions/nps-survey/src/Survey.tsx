/** @jsxImportSource preact */
/**
 * The survey itself, shared by the Thank you and Order status targets: a 0–10 score,
 * an optional comment, posted with the session token to the app's /api/nps. The app
 * keeps one answer per order, so sending again updates it.
 */
import { useEffect, useState } from "preact/hooks";

export type SurveySource = "thank-you" | "order-status";

/** The part of the `shopify` global the survey uses (the same on both targets). */
export interface SurveyApi {
  sessionToken: { get(): Promise<string> };
  i18n: { translate(key: string, options?: Record<string, string | number>): string };
}

export interface SurveyProps {
  api: SurveyApi;
  /** gid://shopify/Order/… of the order being rated. */
  orderId: string;
  source: SurveySource;
  appUrl: string;
}

type Status =
  { kind: "idle" } | { kind: "sending" } | { kind: "sent" } | { kind: "error"; messageKey: string };

interface StoredAnswer {
  answer: { score: number; comment: string | null } | null;
}

const SCORES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
export const COMMENT_MAX = 1_000;

function errorKeyFor(status: number): string {
  if (status === 400) return "errors.invalid";
  if (status === 429) return "errors.rateLimited";
  return "errors.failed";
}

export function Survey({ api, orderId, source, appUrl }: SurveyProps) {
  const t = (key: string, options?: Record<string, string | number>) =>
    api.i18n.translate(key, options);
  const [score, setScore] = useState<number | null>(null);
  const [comment, setComment] = useState("");
  const [answered, setAnswered] = useState(false);
  const [status, setStatus] = useState<Status>({ kind: "idle" });
  const endpoint = `${appUrl}/api/nps`;

  // A logged-in buyer who answered before sees their answer and can change it.
  useEffect(() => {
    let cancelled = false;
    void (async () => {
      try {
        const token = await api.sessionToken.get();
        const query = new URLSearchParams({ orderId, source });
        const response = await fetch(`${endpoint}?${query}`, {
          headers: { Authorization: `Bearer ${token}` },
        });
        if (!response.ok) return;
        const { answer } = (await response.json()) as StoredAnswer;
        if (cancelled || !answer) return;
        setScore((current) => current ?? answer.score);
        setComment((current) => current || (answer.comment ?? ""));
        setAnswered(true);
      } catch {
        // The survey works without the earlier answer.
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [api, endpoint, orderId, source]);

  async function submit() {
    if (score === null) return;
    setStatus({ kind: "sending" });
    try {
      const token = await api.sessionToken.get();
      const text = comment.trim();
      const response = await fetch(endpoint, {
        method: "POST",
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
        body: JSON.stringify({ orderId, score, source, ...(text ? { comment: text } : {}) }),
      });
      if (response.ok) {
        setAnswered(true);
        setStatus({ kind: "sent" });
      } else {
        setStatus({ kind: "error", messageKey: errorKeyFor(response.status) });
      }
    } catch {
      setStatus({ kind: "error", messageKey: "errors.failed" });
    }
  }

  return (
    <s-stack gap="base">
      <s-heading>{t("title")}</s-heading>
      <s-choice-list
        label={t("scoreLabel")}
        name="score"
        variant="inline"
        values={score === null ? [] : [String(score)]}
        onChange={(event: Event) => {
          const list = event.currentTarget as HTMLElementTagNameMap["s-choice-list"];
          const value = list.values?.[0];
          setScore(value === undefined ? null : Number(value));
          setStatus({ kind: "idle" });
        }}
      >
        {SCORES.map((n) => (
          <s-choice key={n} value={String(n)}>
            {String(n)}
          </s-choice>
        ))}
      </s-choice-list>
      <s-stack direction="inline" justifyContent="space-between">
        <s-text color="subdued">{t("scale.low")}</s-text>
        <s-text color="subdued">{t("scale.high")}</s-text>
      </s-stack>
      <s-text-area
        label={t("commentLabel")}
        name="comment"
        rows={3}
        maxLength={COMMENT_MAX}
        value={comment}
        onInput={(event: Event) => {
          setComment((event.currentTarget as HTMLElementTagNameMap["s-text-area"]).value ?? "");
          setStatus({ kind: "idle" });
        }}
      />
      <s-button
        variant="primary"
        disabled={score === null}
        loading={status.kind === "sending"}
        onClick={() => void submit()}
      >
        {t(answered ? "update" : "submit")}
      </s-button>
      {status.kind === "sent" ? <s-banner tone="success" heading={t("thanks")} /> : null}
      {status.kind === "error" ? <s-banner tone="critical" heading={t(status.messageKey)} /> : null}
    </s-stack>
  );
}
