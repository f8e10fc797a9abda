import type { ActionFunctionArgs } from "@remix-run/node";
import { receiveWebhook } from "../webhook-intake.server";

export const action = ({ request }: ActionFunctionArgs) => receiveWebhook(request);
