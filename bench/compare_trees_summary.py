"""Median (range) per tree of the benches bench/compare_trees.sh wrote: python bench/compare_trees_summary.py OUTFILE"""
import collections
import json
import os
import re
import statistics as st
import sys
rows=collections.defaultdict(lambda: collections.defaultdict(list))
tree=None
for line in open(sys.argv[1]):
    if line.startswith("##"):
        tree=os.path.basename(re.search(r"tree=(\S+)",line).group(1).rstrip("/")); continue
    d=json.loads(line)
    if "load_before" in d or "load_after" in d or "kernel" in d:
        continue
    if d.get("bench")=="kernel":
        rows[tree]["kernel/floor"].append(d["ratio_to_rng_floor"]); rows[tree]["kernel Msteps/s"].append(d["particle_steps_per_s"]/1e6)
    elif d.get("bench")=="fast_path":
        rows[tree]["fast_path cpu_ratio"].append(d["cpu_ratio"]); rows[tree]["hybrid ms/dev"].append(d["hybrid_cpu_s_per_device"]*1e3)
    elif "size" in d and "devices" in d:  # bench/active.py
        sz=d["size"]
        for k in [k for k in d if isinstance(d[k], dict)]:
            rows[tree][f"active{sz} {k} run s"].append(d[k]["wall_s"]); rows[tree][f"active{sz} {k} cpu s"].append(d[k]["cpu_s"]); rows[tree][f"active{sz} {k} steps"].append(d[k]["accepted"])
        for k in [k for k in d if k.endswith("_over_fixed")]:
            rows[tree][f"active{sz} {k[:-11]}/fixed"].append(d[k])
        if "fixed" in d and "frozen" in d:
            rows[tree][f"active{sz} frozen/fixed cpu"].append(d["frozen"]["cpu_s"]/d["fixed"]["cpu_s"])
    elif "frozen_over_fixed" in d:
        n=d["devices"]; rows[tree][f"bridge{n} frozen/fixed"].append(d["frozen_over_fixed"])
        if "live" in d:
            rows[tree][f"bridge{n} live/fixed"].append(d["live_over_fixed"]); rows[tree][f"bridge{n} live steps"].append(d["live"]["accepted"])
    elif "ratio_wall" in d:
        rows[tree][f"xbar{d['size']} wall ratio"].append(d["ratio_wall"]); rows[tree][f"xbar{d['size']} run ratio"].append(d["ratio_run"])
keys=[]
for t in rows:
    for k in rows[t]:
        if k not in keys: keys.append(k)
trees=list(rows)
print("| metric | "+" | ".join(trees)+" |"); print("|---"*(len(trees)+1)+"|")
for k in keys:
    cells=[]
    for t in trees:
        v=rows[t].get(k,[])
        cells.append("-" if not v else (f"{st.median(v):.3g} ({min(v):.3g}-{max(v):.3g})"))
    print(f"| {k} | "+" | ".join(cells)+" |")
