import fs from 'node:fs';
import path from 'node:path';
import { LOCAL_FIXTURES, SHARED_FIXTURES } from './fixtures';

describe('local fixture copies', () => {
  const names = fs.readdirSync(LOCAL_FIXTURES).filter((n) => n !== 'README.md');

  it('include the Odoo fixtures the tests read', () => {
    expect(names).toEqual(expect.arrayContaining(['odoo19_json2_error_401.response.http', 'odoo_json2_error_401.draft-page.response-body.json']));
  });

  const haveShared = fs.existsSync(SHARED_FIXTURES);
  (haveShared ? it : it.skip)('are byte-identical to shared/fixtures (skipped when shared/ is absent)', () => {
    for (const name of names) {
      expect(fs.readFileSync(path.join(LOCAL_FIXTURES, name))).toEqual(fs.readFileSync(path.join(SHARED_FIXTURES, name)));
    }
  });
});
