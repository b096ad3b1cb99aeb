/** Run DCMTK tools (Debian's dcmtk package) as real peers. Missing tools fail the test loudly. */
import { execFile } from 'node:child_process';

export interface RunResult {
  code: number;
  output: string;
}

/** Run a DCMTK command line; resolves with exit code and combined stdout+stderr. */
export function dcmtk(tool: string, args: string[], timeoutMs = 20_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      tool,
      args,
      // Debian's DCMTK keeps Nagle on unless told otherwise; every round trip would cost ~40 ms.
      { timeout: timeoutMs, env: { ...process.env, TCP_NODELAY: '1' }, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { code?: number | string }) | null;
        if (e && e.code === 'ENOENT') {
          reject(
            new Error(`${tool} not found: install DCMTK (apt-get install dcmtk) or run scripts/test.sh`),
          );
          return;
        }
        resolve({ code: typeof e?.code === 'number' ? e.code : e ? 1 : 0, output: `${stdout}${stderr}` });
      },
    );
  });
}
