import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import prisma from "../db.server";
import { handleNpsRequest, NPS_RATE_LIMIT, type NpsDeps } from "../extensions/nps.server";
import { sharedRateLimiter } from "../extensions/rate-limit.server";
import { authenticate } from "../shopify.server";

// The survey extension's endpoint (extensions/nps-survey). Remix sends OPTIONS and GET
// to the loader, POST to the action.
const deps = (): NpsDeps => ({
  db: prisma,
  limiter: sharedRateLimiter(NPS_RATE_LIMIT),
  authenticate: {
    checkout: authenticate.public.checkout,
    customerAccount: authenticate.public.customerAccount,
  },
});

export const loader = ({ request }: LoaderFunctionArgs) => handleNpsRequest(deps(), request);
export const action = ({ request }: ActionFunctionArgs) => handleNpsRequest(deps(), request);
