"""PPF ratio G2/G1 of the ppf_tzero protocol vs w_pin, 32 devices, two seeds: why PPF does not
identify w_pin (docs/fit.md, "Not done").  Run: python examples/fit_wang2017/ppf_scan.py"""
import warnings; warnings.simplefilter("ignore")
from spicemem.devices.diffusive import DiffusiveParams
from spicemem.fit import protocols as pr
p = DiffusiveParams.from_preset("SiOxNy_Ag")
pp = {"type":"ppf","amplitude":3.0,"width":1e-3,"series_ohm":100e6,"temperature_k":None,"intervals":[1e-3, 20e-3]}
for w in (0.23, 0.25, 0.27, 0.29, 0.31, 0.33):
    for seed in (77, 8):
        r = pr.simulate_ppf(p.replace(w_pin=w), pp, 32, seed)
        print(w, seed, {k: (round(a,2), round(b,2)) for k,(a,b) in r.items()})
