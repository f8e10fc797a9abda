// `node --import ./test/fake-shopify/register.mjs …` (or tsx --import): redirects this
// process's fetch calls to Shopify hosts to the fake at $FAKE_SHOPIFY_URL. Test/demo only.
import { installFetchRedirect } from "./redirect.ts";

const target = process.env.FAKE_SHOPIFY_URL;
if (target) {
  installFetchRedirect(target);
} else {
  console.warn("[fake-shopify] FAKE_SHOPIFY_URL is not set; fetch is not redirected");
}
