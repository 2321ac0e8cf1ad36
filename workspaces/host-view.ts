/**
 * What the jail reads of the host (`HostView`), and the real one read from the file system.
 * The jail plan itself (jail.ts) stays pure and reads the host only through this view.
 */
import fs from 'node:fs';

/** What the jail reads of the host. Kinds are of the path itself (lstat). */
export interface HostView {
  kind(p: string): 'dir' | 'file' | 'link' | 'other' | null;
  /** The target of a symbolic link, as written. */
  readlink(p: string): string;
  /** The path with every link resolved, or null when it does not exist. */
  realpath(p: string): string | null;
  list(dir: string): string[];
}

export function hostView(): HostView {
  return {
    kind(p) {
      const st = fs.lstatSync(p, { throwIfNoEntry: false });
      if (!st) return null;
      return st.isSymbolicLink() ? 'link' : st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
    },
    readlink: (p) => fs.readlinkSync(p),
    realpath(p) {
      try {
        return fs.realpathSync(p);
      } catch {
        return null;
      }
    },
    list(dir) {
      try {
        return fs.readdirSync(dir);
      } catch {
        return [];
      }
    },
  };
}
