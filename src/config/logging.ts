import type { Settings } from "./schema.js";

/** Where log lines go besides stderr: Axiom's ingest API, through its official pino transport. */
export interface AxiomConfig {
  token: string;
  dataset: string;
  /** Axiom's API (AXIOM_URL); unset = Axiom's cloud */
  url: string | undefined;
}

/** The Axiom part of `Config`: both AXIOM_API_TOKEN and AXIOM_DATASET, or neither. Problems never quote the token. */
export function resolveAxiom(c: Settings, problems: string[]): AxiomConfig | undefined {
  if (c.axiomToken === undefined && c.axiomDataset === undefined) {
    if (c.axiomUrl !== undefined) problems.push("AXIOM_URL: set AXIOM_API_TOKEN and AXIOM_DATASET too, or unset it");
    return undefined;
  }
  if (c.axiomToken === undefined) problems.push("AXIOM_API_TOKEN: needed with AXIOM_DATASET to ship logs to Axiom");
  if (c.axiomDataset === undefined) problems.push("AXIOM_DATASET: needed with AXIOM_API_TOKEN to ship logs to Axiom");
  if (c.axiomToken === undefined || c.axiomDataset === undefined) return undefined;
  return { token: c.axiomToken, dataset: c.axiomDataset, url: c.axiomUrl };
}
