#!/usr/bin/env python3
"""Independent reference implementation of Kuzet's forensics tests, in plain Python/NumPy.

Written from the papers, not from the Rust code, to check `kuzet-forensics` on the real data
and to compare speed. It reads a Russian CEC station file (a zip holding one CSV), computes
the same figures as `kuzet forensics`, and writes them as JSON:

    python3 bench/forensics_reference.py ../shared/data/ru/2018.csv.zip \
        --draws 200 --out bench/reference/2018.json

Needs numpy and diptest (`pip install numpy diptest`); diptest is the Python port of R's
`diptest` (Maechler), used here as the independent dip implementation.

What it computes (definitions as in the Rust crate's documentation):
  * stations: registered voters, ballots in the boxes (mobile + stationary: "came"), valid
    ballots, votes per candidate; stations with an empty field are left out; usable stations
    have registered, came and valid all above zero; the leader has the most votes.
  * integer-percentage peaks (Kobak, Shpilkin & Pshenichnikov 2016): stations whose count is
    the count nearest to a whole percentage, denominators of at least 100; the null resamples
    every station's counts with numpy's binomial generator at the station's own rate.
  * excess votes (Shpilkin): per region, modal turnout (1 % bins, 5-bin moving average,
    searched from 5 % to 100 %), leader-to-others ratio at stations at or below mode + 0.5 %,
    excess = sum of (leader - ratio * others) above it.
  * digit tests (Mebane): second-digit tallies of counts >= 10 against Benford, last-digit
    tallies of counts >= 100, chi-square statistics.
  * turnout shape: skewness and excess kurtosis (population moments), Pearson correlation of
    turnout with the leader's share, Hartigan's dip (diptest.dipstat); overall.
  * fingerprint: total voters and the voters at stations above 90 % turnout and 90 % share.
"""

import argparse
import csv
import io
import json
import time
import zipfile

import numpy as np


def read_stations(path):
    with zipfile.ZipFile(path) as archive:
        name = archive.namelist()[0]
        text = archive.read(name).decode("utf-8-sig")
    rows = csv.reader(io.StringIO(text))
    header = [h.replace("\n", " ").strip() for h in next(rows)]

    def find(*needles):
        for i, h in enumerate(header):
            if all(n in h for n in needles):
                return i
        raise KeyError(needles)

    registered_col = next(i for i, h in enumerate(header) if h.startswith("Число избирателей, в"))
    mobile_col = find("переносных ящиках")
    stationary_col = find("стационарных ящиках")
    valid_col = find("Число действительных")
    region_col = header.index("region")
    skip = {"region", "tik", "uik", "level", "oik", "url", ""}
    candidate_cols = [i for i, h in enumerate(header) if not h.startswith("Число") and h not in skip]
    candidates = [header[i] for i in candidate_cols]

    registered, came, valid, votes, regions = [], [], [], [], []
    for row in rows:
        try:
            r = int(row[registered_col])
            c = int(row[mobile_col]) + int(row[stationary_col])
            v = int(row[valid_col])
            cv = [int(row[i]) for i in candidate_cols]
        except (ValueError, IndexError):
            continue
        registered.append(r)
        came.append(c)
        valid.append(v)
        votes.append(cv)
        regions.append(row[region_col])
    return {
        "registered": np.array(registered, dtype=np.int64),
        "came": np.array(came, dtype=np.int64),
        "valid": np.array(valid, dtype=np.int64),
        "votes": np.array(votes, dtype=np.int64),
        "regions": np.array(regions),
        "candidates": candidates,
    }


def nearest_percent(count, total):
    return (200 * count + total) // (2 * total)


def nearest_count(percent, total):
    return (2 * percent * total + 100) // 200


def is_round(count, total):
    ok = (total > 0) & (count <= total)
    safe = np.where(total > 0, total, 1)
    return ok & (nearest_count(nearest_percent(count, safe), safe) == count)


def peaks(s, leader, draws, seed, min_total=100):
    usable = s["usable"]
    reg, came, valid = s["registered"], s["came"], s["valid"]
    lead = s["votes"][:, leader]
    t_ok = usable & (reg >= min_total) & (came <= reg)
    s_ok = usable & (valid >= min_total) & (lead <= valid)
    t_round = t_ok & is_round(came, reg)
    s_round = s_ok & is_round(lead, valid)
    observed = {
        "turnout": int(t_round.sum()),
        "leader_share": int(s_round.sum()),
        "either": int((t_round | s_round).sum()),
    }
    rng = np.random.default_rng(seed)
    t_rate = np.where(t_ok, came / np.maximum(reg, 1), 0.0)
    s_rate = np.where(s_ok, lead / np.maximum(valid, 1), 0.0)
    samples = {"turnout": [], "leader_share": [], "either": []}
    for _ in range(draws):
        t_draw = rng.binomial(reg, np.clip(t_rate, 0, 1))
        s_draw = rng.binomial(valid, np.clip(s_rate, 0, 1))
        tr = t_ok & is_round(t_draw, reg)
        sr = s_ok & is_round(s_draw, valid)
        samples["turnout"].append(tr.sum())
        samples["leader_share"].append(sr.sum())
        samples["either"].append((tr | sr).sum())
    out = {}
    for key, values in samples.items():
        values = np.array(values, dtype=float)
        out[key] = {
            "observed": observed[key],
            "null_mean": float(values.mean()),
            "null_sd": float(values.std(ddof=1)),
            "eligible": int({"turnout": t_ok, "leader_share": s_ok, "either": t_ok | s_ok}[key].sum()),
        }
    return out


def smoothed_mode(values, low, high):
    bins = np.minimum((np.maximum(values, 0) * 100).astype(np.int64), 99)
    counts = np.bincount(bins, minlength=100).astype(float)
    smoothed = np.array([counts[max(b - 2, 0):min(b + 2, 99) + 1].mean() for b in range(100)])
    lo, hi = int(low * 100), min(int(high * 100), 99)
    best = lo + int(np.argmax(smoothed[lo:hi + 1]))
    return (best + 0.5) / 100


def excess(s, leader):
    usable = s["usable"]
    lead = s["votes"][:, leader][usable].astype(float)
    others = (s["valid"][usable] - s["votes"][:, leader][usable]).clip(min=0).astype(float)
    turnout = np.minimum(s["came"][usable] / s["registered"][usable], 1.0)
    regions = s["regions"][usable]
    total = 0.0
    by_region = {}
    for region in np.unique(regions):
        m = regions == region
        mode = smoothed_mode(turnout[m], 0.05, 1.0)
        ref = m & (turnout <= mode + 0.005)
        if ref.sum() < 10 or others[ref].sum() == 0:
            by_region[region] = None
            continue
        ratio = lead[ref].sum() / others[ref].sum()
        high = m & (turnout > mode + 0.005)
        value = float((lead[high] - ratio * others[high]).sum())
        by_region[region] = value
        total += value
    return {"excess_votes": total, "leader_votes": int(lead.sum()), "by_region": by_region}


def digits(s):
    usable = s["usable"]
    benford = np.array([sum(np.log10(1 + 1 / (10 * k + d)) for k in range(1, 10)) for d in range(10)])
    out = []
    for j, name in enumerate(s["candidates"]):
        v = s["votes"][usable, j]
        two = v[v >= 10]
        second = np.array([int(str(x)[1]) for x in two], dtype=np.int64)
        second_counts = np.bincount(second, minlength=10)
        last = v[v >= 100] % 10
        last_counts = np.bincount(last, minlength=10)

        def chi(obs, p):
            e = obs.sum() * p
            return float(((obs - e) ** 2 / e).sum()) if obs.sum() else 0.0

        out.append({
            "candidate": name,
            "second_digit_counts": second_counts.tolist(),
            "second_digit_chi_square": chi(second_counts, benford),
            "last_digit_counts": last_counts.tolist(),
            "last_digit_chi_square": chi(last_counts, np.full(10, 0.1)),
        })
    return out


def shape(s, leader):
    import diptest

    usable = s["usable"]
    t = s["came"][usable] / s["registered"][usable]
    share = s["votes"][usable, leader] / s["valid"][usable]
    d = t - t.mean()
    m2, m3, m4 = (d ** 2).mean(), (d ** 3).mean(), (d ** 4).mean()
    return {
        "stations": int(usable.sum()),
        "mean_turnout": float(t.mean()),
        "skewness": float(m3 / m2 ** 1.5),
        "kurtosis": float(m4 / m2 ** 2 - 3),
        "dip": float(diptest.dipstat(np.sort(t))),
        "turnout_share_correlation": float(np.corrcoef(t, share)[0, 1]),
    }


def fingerprint(s, leader, bins=100):
    usable = s["usable"]
    t = s["came"][usable] / s["registered"][usable]
    share = s["votes"][usable, leader] / s["valid"][usable]
    w = s["came"][usable].astype(float)
    tb = np.minimum((np.maximum(t, 0) * bins).astype(np.int64), bins - 1)
    sb = np.minimum((np.maximum(share, 0) * bins).astype(np.int64), bins - 1)
    corner = (tb >= bins * 9 // 10) & (sb >= bins * 9 // 10)
    return {"total_voters": float(w.sum()), "corner_voters": float(w[corner].sum())}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file")
    parser.add_argument("--draws", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out")
    args = parser.parse_args()

    started = time.perf_counter()
    s = read_stations(args.file)
    read_seconds = time.perf_counter() - started
    s["usable"] = (s["registered"] > 0) & (s["came"] > 0) & (s["valid"] > 0)
    leader = int(np.argmax(s["votes"].sum(axis=0)))
    timings = {}

    def timed(name, f, *a):
        t0 = time.perf_counter()
        value = f(*a)
        timings[name] = time.perf_counter() - t0
        return value

    result = {
        "command": f"python3 bench/forensics_reference.py {args.file} --draws {args.draws} --seed {args.seed}",
        "stations": int(len(s["registered"])),
        "usable_stations": int(s["usable"].sum()),
        "leader": s["candidates"][leader],
        "draws": args.draws,
        "fingerprint": timed("fingerprint", fingerprint, s, leader),
        "integer_peaks": timed("integer_peaks", peaks, s, leader, args.draws, args.seed),
        "excess_votes": timed("excess_votes", excess, s, leader),
        "digits": timed("digits", digits, s),
        "turnout_distribution": timed("turnout_distribution", shape, s, leader),
    }
    result["seconds"] = {"read": read_seconds, **timings}
    text = json.dumps(result, ensure_ascii=False, indent=1)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    else:
        print(text)


if __name__ == "__main__":
    main()
