/**
 * Calls `onEvent` for every filesystem event (inotify, via fs.watch) under `root`, directories
 * created later included. Node 20's `fs.watch(dir, { recursive: true })` on Linux is written in
 * JavaScript: after an event it lists the directory again, and when a sync has just removed that
 * directory the listing throws ENOENT from inside the watcher, uncaught (2 of 200 killed syncs in a
 * long run). Here each directory has a watcher of its own, and one that vanishes is dropped.
 */
import { type Dirent, type FSWatcher, readdirSync, statSync, watch } from 'node:fs';
import { join } from 'node:path';

export function watchTree(root: string, onEvent: () => void): { close(): void } {
  const watchers = new Map<string, FSWatcher>();
  const isDirectory = (path: string) => {
    try {
      return statSync(path).isDirectory();
    } catch {
      return false; // gone already
    }
  };
  const add = (dir: string) => {
    if (watchers.has(dir)) return;
    let watcher: FSWatcher;
    try {
      watcher = watch(dir, (_type, name) => {
        onEvent();
        if (name && isDirectory(join(dir, name))) add(join(dir, name));
      });
    } catch {
      return; // removed before it could be watched
    }
    watcher.on('error', () => {
      watcher.close();
      watchers.delete(dir);
    });
    watchers.set(dir, watcher);
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) if (e.isDirectory()) add(join(dir, e.name));
  };
  add(root);
  return {
    close() {
      for (const w of watchers.values()) w.close();
      watchers.clear();
    },
  };
}
