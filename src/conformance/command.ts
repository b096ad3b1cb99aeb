/** `lightbox conformance`: the statements of the configured printers, as one Markdown or HTML text. */
import type { ConformanceArgs } from '../config/config.js';
import { ConfigError } from '../config/config.js';
import { resolveCapabilities } from '../profiles/capabilities.js';
import { loadProfiles } from '../profiles/profile-loader.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import { networkSettings } from './settings.js';
import { conformanceStatement } from './statement.js';

/** The text to print; ConfigError for a printer that is not configured, ProfileError for a bad profile. */
export function conformanceText(args: ConformanceArgs): string {
  const loaded = loadProfiles(args.config.printersDir);
  const chosen =
    args.printer === undefined ? loaded : loaded.filter((l) => l.profile.aeTitle === args.printer);
  if (chosen.length === 0) {
    const known = loaded.map((l) => l.profile.aeTitle).join(', ');
    throw new ConfigError(`--printer: no printer ${args.printer} (printers: ${known})`);
  }
  const settings = networkSettings(args.config);
  const statements = chosen.map((l) =>
    conformanceStatement({ caps: resolveCapabilities(l.profile), source: l.source, settings }),
  );
  if (args.format === 'html') return renderHtml(statements);
  // Several printers: one after the other, anchors told apart by the AE title.
  return statements
    .map((s, i) => renderMarkdown(s, statements.length === 1 ? '' : `${chosen[i]!.profile.aeTitle}-`))
    .join('\n---\n\n');
}
