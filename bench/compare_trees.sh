#!/bin/bash
# Speed of several checkouts of spicemem side by side on one machine, alternated round by
# round (kernel, fast path, bridge, crossbar benches): each tree runs its own code
# (PYTHONPATH=TREE).  Summarise with bench/compare_trees_summary.py OUTFILE.
#   git worktree add --detach /tmp/before REV      (or: git archive REV | tar -x -C /tmp/before)
#   bash bench/compare_trees.sh out.txt 3 /tmp/before "$PWD"
# BENCHES overrides the list ('|'-separated, each a bench/ script with its arguments; FAST_PATH
# stands for fast_path.py with the tree's own seed option), e.g. issue 17's coupling element:
#   BENCHES='active.py --sizes 16,32 --tstop 10e-6 --repeat 1 --threads 1 --forms fixed,frozen|bridge.py --sizes 16,256,1024 --repeat 3 --tstop 10e-6|crossbar.py --sizes 16,32 --repeat 1' \
#     bash bench/compare_trees.sh out.txt 3 /tmp/before "$PWD"
out=$1; rounds=$2; shift 2
IFS='|' read -ra benches <<< "${BENCHES:-kernel.py|FAST_PATH|bridge.py --sizes 16,256 --repeat 1|crossbar.py --sizes 8,16 --repeat 1}"
for r in $(seq 1 $rounds); do
  for w in "$@"; do
    if grep -q -- '"--seeds"' $w/bench/fast_path.py; then fp="fast_path.py --devices 2 --seeds 1"; else fp="fast_path.py --devices 2 --seed 1"; fi
    for b in "${benches[@]}"; do
      [ "$b" = FAST_PATH ] && b=$fp
      echo "## round=$r tree=$w bench=$b load=$(cut -d' ' -f1 /proc/loadavg) $(date +%T)" >> $out
      (cd /tmp && PYTHONPATH=$w timeout 1800 python $w/bench/$b 2>/dev/null | grep '^{' | grep -v fast_path_summary >> $out)
    done
  done
done
