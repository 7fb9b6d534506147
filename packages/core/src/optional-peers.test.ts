// The tfjs-node peers stay optional and uninstalled in this workspace, yet build when a contributor adds
// them: pnpm runs install scripts only for packages in onlyBuiltDependencies, and its autoInstallPeers
// installs optional peers listed in peerDependencies (so they are declared in peerDependenciesMeta only).
// If tfjs-node were installed by default, `pnpm install` would run its libtensorflow download and fail
// where Google's storage is out of reach.
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const NODE_PEERS = ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'];
/** A YAML scalar as written by hand or by Prettier: bare, 'single' or "double" quoted. */
const quoted = (name: string): string => `(['"]?)${name.replace(/[/.-]/g, '\\$&')}\\1`;

test('tfjs-node(-gpu): optional peers of core, built when added, not installed by default', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));
  const workspace = fs.readFileSync(path.join(ROOT, 'pnpm-workspace.yaml'), 'utf8');
  const built = workspace.split(/^onlyBuiltDependencies:\n/m)[1]?.split(/^\S/m)[0] ?? '';
  const lock = fs.readFileSync(path.join(ROOT, 'pnpm-lock.yaml'), 'utf8');
  for (const name of NODE_PEERS) {
    expect(pkg.peerDependenciesMeta[name]).toEqual({ optional: true });
    expect(pkg.peerDependencies?.[name]).toBeUndefined();
    expect(pkg.dependencies?.[name] ?? pkg.devDependencies?.[name]).toBeUndefined();
    expect(built).toMatch(new RegExp(`^\\s*- ${quoted(name)}\\s*$`, 'm'));
    expect(lock).not.toContain(`'${name}@`);
  }
  // the browser GPU backends are ordinary optional peers (pure JS, nothing to build)
  for (const name of ['@tensorflow/tfjs-backend-webgl', '@tensorflow/tfjs-backend-webgpu']) {
    expect(pkg.peerDependenciesMeta[name]).toEqual({ optional: true });
    expect(workspace).toMatch(new RegExp(`^\\s*${quoted(name)}: 4\\.22\\.0\\s*$`, 'm'));
  }
});
