// Seeded randomness. Every generated value derives from (shop seed, slot, stream) through
// these functions, so a slot's history can be regenerated on demand instead of kept in memory.
// The implementation is the app's (app code must not import test code), shared with the CLV
// simulations.
export { hash32, hashUnit, Rng } from "../../../app/analytics/random";
