/**
 * The holdout card (validateHoldoutSummary) takes the model choice's rows and forecasts for
 * the fit the choice made (forecast.ts) instead of computing them again: its result must be
 * the one a fresh computation on an equal summary gives, for each model.
 */
import { describe, expect, it } from "vitest";
import {
  chooseClvModel,
  holdoutForecasts,
  PURCHASE_MODELS,
  summarizeCustomers,
  validateHoldoutSummary,
} from "../../app/analytics/clv";
import { cdnowSampleOrders, CDNOW_OBSERVATION_END } from "./cdnow";

const summaryOf = () =>
  summarizeCustomers(cdnowSampleOrders(), {
    asOf: CDNOW_OBSERVATION_END,
    unit: "week",
    holdoutDays: 273,
  });

describe("the holdout card after the model choice", () => {
  const summary = summaryOf();
  const choice = chooseClvModel(summary, 273);

  it("equals a fresh check on an equal summary, for every model", () => {
    for (const assessed of choice.models) {
      expect(assessed.fit).not.toBeNull();
      const model = PURCHASE_MODELS.find((m) => m.name === assessed.model);
      const shared = validateHoldoutSummary(summary, 273, { model, fit: assessed.fit! });
      const fresh = validateHoldoutSummary(summaryOf(), 273, { model, fit: assessed.fit! });
      expect(shared).toEqual(fresh);
      expect(shared.status).toBe("ok");
    }
  });

  it("reads the forecasts the choice computed", () => {
    const bg = choice.models[0];
    const first = holdoutForecasts(summary, PURCHASE_MODELS[0], bg.fit!.params, 273 / 7);
    expect(holdoutForecasts(summary, PURCHASE_MODELS[0], bg.fit!.params, 273 / 7)).toBe(first);
    // Another summary or horizon is computed on its own.
    const other = summaryOf();
    expect(holdoutForecasts(other, PURCHASE_MODELS[0], bg.fit!.params, 273 / 7)).not.toBe(first);
    expect(holdoutForecasts(summary, PURCHASE_MODELS[0], bg.fit!.params, 100)).not.toBe(first);
  });
});
