/** Where the browser tests' production build goes (apart from build/, see vite.config.ts here). */
export const E2E_BUILD_DIR = "test-results/e2e-build";
