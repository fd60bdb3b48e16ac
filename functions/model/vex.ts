import { z } from 'zod';

/** CycloneDX `analysis.state` (the VEX status a producer gives a vulnerability on a component). */
export const VexStateSchema = z.enum(['resolved', 'resolved_with_pedigree', 'exploitable', 'in_triage', 'false_positive', 'not_affected']);
export type VexState = z.infer<typeof VexStateSchema>;

export const VexJustificationSchema = z.enum([
  'code_not_present',
  'code_not_reachable',
  'requires_configuration',
  'requires_dependency',
  'requires_environment',
  'protected_by_compiler',
  'protected_at_runtime',
  'protected_at_perimeter',
  'protected_by_mitigating_control',
]);
export type VexJustification = z.infer<typeof VexJustificationSchema>;

export const VexResponseSchema = z.enum(['can_not_fix', 'will_not_fix', 'update', 'rollback', 'workaround_available']);
export type VexResponse = z.infer<typeof VexResponseSchema>;

/** The producer's statement on whether one vulnerability affects one component of the asset. */
export const VexStatementSchema = z
  .object({
    /** CVE id or the producer's own (GHSA-..., SNYK-...). */
    vulnerability: z.string().min(1),
    /** Who issued the id, when the document says (`NVD`, `GitHub`). */
    source: z.string().optional(),
    component: z.union([
      z.object({ purl: z.string(), cpe: z.string().optional() }).strict(),
      z.object({ cpe: z.string() }).strict(),
    ]),
    state: VexStateSchema,
    justification: VexJustificationSchema.optional(),
    response: z.array(VexResponseSchema).optional(),
    detail: z.string().optional(),
  })
  .strict();
export type VexStatement = z.infer<typeof VexStatementSchema>;
