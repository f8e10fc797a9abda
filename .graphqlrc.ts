// GraphQL config for editors and `npm run codegen`. Schema: Shopify's Admin API 2026-10
// introspection committed in test/fixtures (the same schema the fake Shopify serves), loaded
// offline by a small loader module instead of the network endpoint the preset defaults to.
import { ApiType, pluckConfig, preset } from "@shopify/api-codegen-preset";

const schema = "./test/fixtures/shopify/admin-schema.mjs";
const documents = ["./app/**/*.{ts,tsx}", "./workers/**/*.ts", "!./app/types/**"];

export default {
  schema,
  documents,
  projects: {
    default: {
      schema,
      documents,
      extensions: {
        codegen: {
          pluckConfig,
          // A fresh checkout may have no operations yet; codegen must not fail on that.
          ignoreNoDocuments: true,
          generates: {
            "./app/types/admin.types.d.ts": {
              plugins: ["typescript"],
              config: {
                defaultScalarType: "string",
                scalars: { JSON: "unknown" },
                enumsAsTypes: true,
              },
            },
            "./app/types/admin.generated.d.ts": {
              preset,
              presetConfig: { apiType: ApiType.Admin },
            },
          },
        },
      },
    },
  },
};
