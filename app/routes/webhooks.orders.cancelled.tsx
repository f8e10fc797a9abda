import type { ActionFunctionArgs } from "@remix-run/node";
import { receiveWebhook } from "../sync/webhooks.server";

export const action = ({ request }: ActionFunctionArgs) => receiveWebhook(request);
