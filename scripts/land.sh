#!/usr/bin/env bash
# For parallel work in git worktrees: merges the current worktree's branch
# into main (in the main checkout), under a lock, and checks that main still
# builds warning-free. On a conflict or a broken build, main is left as it was.
set -euo pipefail
branch=$(git rev-parse --abbrev-ref HEAD)
main_dir=$(git worktree list --porcelain | awk '/^worktree /{w=$2} /^branch refs\/heads\/main$/{print w}')
[[ -n "$main_dir" ]] || { echo "land: no worktree has main checked out" >&2; exit 1; }
exec 9>"$main_dir/.git/land.lock"
flock 9
cd "$main_dir"
before=$(git rev-parse HEAD)
if ! git merge --no-ff --no-edit "$branch"; then
  git merge --abort; echo "land: $branch conflicts with main; merge main into $branch first" >&2; exit 1
fi
if ! make -s -j2 WERROR=1 BUILD=build/land all >/tmp/land-$branch.log 2>&1; then
  git reset --hard "$before"
  echo "land: main does not build with $branch merged (see /tmp/land-$branch.log); main reset" >&2; exit 1
fi
echo "land: $branch merged into main at $(git rev-parse --short HEAD)"
