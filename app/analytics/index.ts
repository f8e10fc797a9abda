/** Public API of the descriptive analytics engine (the CLV model lives in ./clv). */
export * from "./types";
export * from "./time";
export * from "./metric";
export * from "./history";
export * from "./rfm";
export * from "./cohorts";
export * from "./continuation";
export * from "./kpis";
export * from "./nps";
export * from "./cac";
export * from "./migration";
export * from "./targets";
export * from "./periods";
export * from "./trends";
export * from "./deciles";
