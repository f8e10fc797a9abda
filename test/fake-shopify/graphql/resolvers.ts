// Field resolvers of every object type the fake answers, by type name: orders and customers
// (./nodes.ts) and the catalog with its costs (./catalog.ts). Kept apart from both so that
// neither imports the other.
import { CATALOG_RESOLVERS } from "./catalog";
import { NODE_RESOLVERS, type TypeResolvers } from "./nodes";

export const TYPE_RESOLVERS: Record<string, TypeResolvers<never>> = {
  ...NODE_RESOLVERS,
  ...CATALOG_RESOLVERS,
};
