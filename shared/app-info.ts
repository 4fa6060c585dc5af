/** Who we are: the package's name and version, read from package.json beside dist/ or the sources. */
import fs from 'node:fs';
import path from 'node:path';

/** The folder holding package.json, whether this runs from the sources or from dist/. */
export function packageRoot(from: string = __dirname): string {
  let dir = from;
  while (!fs.existsSync(path.join(dir, 'package.json')) || path.basename(dir) === 'dist') {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`No package.json above ${from}`);
    dir = parent;
  }
  return dir;
}

let info: { name: string; version: string } | undefined;

export function appInfo(): { name: string; version: string } {
  if (!info) {
    const pkg = JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { name: string; version: string };
    info = { name: pkg.name, version: pkg.version };
  }
  return info;
}
