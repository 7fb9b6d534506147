import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { rejectsWithDGPoseError } from '@dgpose/test-utils';
import { prepareOut } from './output';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dgpose-bench-out-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('prepareOut', () => {
  it('accepts the empty grids/ a killed run leaves; refuses any other content without --force', async () => {
    const out = path.join(tmp, 'killed');
    fs.mkdirSync(path.join(out, 'grids'), { recursive: true });
    await prepareOut(out, false);
    expect(fs.readdirSync(out)).toEqual(['grids']);
    fs.writeFileSync(path.join(out, 'grids', 'a.png'), 'x');
    await rejectsWithDGPoseError(prepareOut(out, false), 'E_CONFIG', /exists and is not empty \(grids\); pass --force/);
    fs.rmSync(path.join(out, 'grids'), { recursive: true });
    fs.writeFileSync(path.join(out, 'grids'), 'a file named grids');
    await rejectsWithDGPoseError(prepareOut(out, false), 'E_CONFIG', /not empty/);
  });

  it('abandon() removes what the run wrote, and the folder when it made it; other files stay', async () => {
    const made = path.join(tmp, 'made');
    const p = await prepareOut(made, false);
    fs.writeFileSync(path.join(made, 'grids', 'm.png'), 'x');
    fs.writeFileSync(path.join(made, 'results.json'), '{}');
    await p.abandon();
    expect(fs.existsSync(made)).toBe(false);

    const mine = path.join(tmp, 'mine');
    fs.mkdirSync(mine);
    fs.writeFileSync(path.join(mine, 'notes.txt'), 'keep');
    fs.writeFileSync(path.join(mine, 'report.md'), 'old report');
    const q = await prepareOut(mine, true);
    fs.writeFileSync(path.join(mine, 'grids', 'm.png'), 'x');
    await q.abandon();
    expect(fs.readdirSync(mine)).toEqual(['notes.txt']);
  });
});
