import { afterAll, describe, expect, it } from "vitest";
import { closeQueues, getQueue } from "../../app/jobs/queues.server";
import {
  nextNightlyRun,
  nightlySchedulerId,
  scheduleNightly,
  unscheduleNightly,
} from "../../app/jobs/schedules.server";

const shop = `schedule-${process.pid}-${Date.now()}.myshopify.com`;

afterAll(async () => {
  await unscheduleNightly(shop);
  await closeQueues();
});

describe("the nightly job scheduler", () => {
  it("runs at the merchant's hour in the shop's time zone", async () => {
    await scheduleNightly(shop, "Asia/Tokyo", 3);
    const next = await nextNightlyRun(shop);
    expect(next).not.toBeNull();
    const at = new Date(next!);
    // 03:00 in Tokyo (UTC+9, no DST) is 18:00 UTC the day before.
    expect(at.getUTCHours()).toBe(18);
    expect(at.getUTCMinutes()).toBe(0);
    expect(next! - Date.now()).toBeGreaterThan(0);
    expect(next! - Date.now()).toBeLessThanOrEqual(24 * 3600_000);
  });

  it("follows daylight saving time in New York", async () => {
    await scheduleNightly(shop, "America/New_York", 3);
    const at = new Date((await nextNightlyRun(shop))!);
    const local = new Intl.DateTimeFormat("en-US", {
      timeZone: "America/New_York",
      hour: "numeric",
      hourCycle: "h23",
    }).format(at);
    expect(Number(local)).toBe(3);
    expect([7, 8]).toContain(at.getUTCHours());
  });

  it("moves when the hour changes and keeps one scheduler per shop", async () => {
    await scheduleNightly(shop, "Asia/Tokyo", 5);
    expect(new Date((await nextNightlyRun(shop))!).getUTCHours()).toBe(20);
    const schedulers = await getQueue("housekeeping").getJobSchedulers(0, -1);
    expect(schedulers.filter((s) => s.key === nightlySchedulerId(shop))).toHaveLength(1);
  });

  it("disappears on uninstall", async () => {
    await unscheduleNightly(shop);
    expect(await nextNightlyRun(shop)).toBeNull();
  });
});
