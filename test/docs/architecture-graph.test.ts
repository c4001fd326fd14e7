import { readFileSync } from 'node:fs';
import { DOC, mermaidGraph, withCurrentGraph, workspacePackages } from './graph';

describe('docs/architecture.md package graph', () => {
  it('is the graph of the workspace package.json dependencies (pnpm docs:graph rewrites it)', () => {
    const doc = readFileSync(DOC, 'utf8');
    expect(withCurrentGraph(doc)).toBe(doc);
  });

  it('draws an arrow for every workspace dependency, e.g. each service onto the messaging kit', () => {
    const graph = mermaidGraph(workspacePackages());
    for (const service of ['order_ingest', 'inventory_projector', 'odoo_writer']) expect(graph).toContain(`  ${service} --> messaging`);
    expect(graph).toContain('  messaging --> observability');
  });
});
