// ESLint flat config: typescript-eslint's recommended rules, its type-checked promise rules
// (a forgotten await is a lost error or a write that races the next one), React hooks, and
// jsx-a11y for the pages and components. Import cycles: `npm run lint:cycles` (dpdm).
import js from "@eslint/js";
import jsxA11y from "eslint-plugin-jsx-a11y";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      "build/",
      ".tools/",
      "coverage/",
      "test-results/",
      "app/types/*.d.ts",
      "extensions/*/dist/",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    plugins: { "react-hooks": reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" },
      ],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "no-console": ["error", { allow: ["error", "warn"] }],
    },
  },
  {
    // Rules that need the type checker: the project's tsconfig (the extensions have their own).
    files: ["**/*.ts", "**/*.tsx", "**/*.mts"],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/await-thenable": "error",
      "@typescript-eslint/require-await": "off",
    },
  },
  {
    // Layering: the compute and the math sit below the pages; what both need lives down here.
    files: ["app/analytics/**", "app/metrics/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/pages/*", "**/routes/*", "**/components/*"],
              message:
                "app/analytics and app/metrics sit below the pages: move what both need down.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["app/routes/**/*.tsx", "app/components/**/*.tsx", "app/root.tsx"],
    ...jsxA11y.flatConfigs.recommended,
  },
  {
    // Command-line tools, benches and the demo print to the terminal.
    files: ["test/**", "prisma/**", "workers/main.ts"],
    rules: { "no-console": "off" },
  },
);
