import { Duration } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { ForestallBus } from './forestall-bus.ts';
import { ForestallFunction } from './forestall-function.ts';
import type { ForestallTable } from './forestall-table.ts';
import { validateTenantId } from './construct-validation.ts';

/** Properties of {@link InventoryImport}. */
export interface InventoryImportProps {
  /** Where assets and their components are stored. */
  readonly table: ForestallTable;
  /** The bus the import announces `Inventory Changed` on, for re-matching the changed assets. */
  readonly bus: ForestallBus;
  /**
   * Tenant used when a request names none (`TENANT_ID`).
   * @default 'default'
   */
  readonly tenantId?: string;
  /**
   * Memory in MiB; large inventories are parsed in memory.
   * @default 1024
   */
  readonly memorySize?: number;
  /**
   * Key for the function's log group.
   * @default - CloudWatch Logs' own encryption
   */
  readonly logEncryptionKey?: kms.IKey;
}

/**
 * Asset inventory import, invoked directly (`aws lambda invoke` or a pipeline) with
 * `{ tenant?, inventory: { assets: [...] } }`: validates and stores assets and components, and
 * announces the assets whose software changed with `Inventory Changed`.
 */
export class InventoryImport extends Construct {
  readonly handler: ForestallFunction;

  constructor(scope: Construct, id: string, props: InventoryImportProps) {
    super(scope, id);
    const tenantId = validateTenantId('InventoryImport', props.tenantId ?? 'default');
    this.handler = new ForestallFunction(this, 'InventoryImport', {
      entry: 'functions/inventory/inventory-import.handler.ts',
      serviceName: 'inventory-import',
      description: 'Imports an asset inventory into the forestall table',
      memorySize: props.memorySize ?? 1024,
      timeout: Duration.minutes(2),
      logEncryptionKey: props.logEncryptionKey,
      environment: { TENANT_ID: tenantId },
    });
    props.table.grantReadWrite(this.handler);
    props.bus.grantPutEvents(this.handler);
  }
}
