import type { Construct } from 'constructs';
import { BusMatcher, type BusMatcherProps } from './bus-matcher.ts';

/** The Powertools service name of the re-match function. */
export const INVENTORY_REMATCH_SERVICE = 'inventory-rematch';

/** Properties of {@link InventoryRematch}. */
export type InventoryRematchProps = BusMatcherProps;

/**
 * Re-matching on inventory change: the target of `EventPatterns.inventoryChanged`, limited to this
 * stack's own account (only its inventory import announces changes). Matches the changed assets
 * against the vulnerabilities of their changed packages, stores new and remediated exposures and emits
 * `Exposure Detected`.
 */
export class InventoryRematch extends BusMatcher {
  constructor(scope: Construct, id: string, props: InventoryRematchProps) {
    super(scope, id, props, {
      name: 'InventoryRematch',
      functionId: 'InventoryRematch',
      entry: 'functions/match/inventory-changed.handler.ts',
      serviceName: INVENTORY_REMATCH_SERVICE,
      description: 'Re-matches assets whose software changed and emits Exposure Detected',
      ruleId: 'InventoryChanged',
      pattern: 'inventoryChanged',
      ruleDescription: "forestall: this account's changed inventory -> re-matching of the changed assets",
    });
  }
}
