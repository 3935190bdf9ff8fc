# What every rule needs: the locus command, the sample sheet (checked before any job runs) and each
# variants sample's shards (planned by `locus shards`, so the shard list exists at parse time and a
# dry run shows every job).


import csv
import json
import os
import re
import shlex
import subprocess
from concurrent.futures import ThreadPoolExecutor

from snakemake.exceptions import WorkflowError

REPO = os.path.normpath(os.path.join(workflow.basedir, "..", ".."))
OUT = config["outdir"].rstrip("/")
PIPELINES = ("scan", "variants", "motifs")
SHEET_COLUMNS = ("sample", "input", "reference", "pipelines", "background")
SAMPLE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def locus_command():
    if config.get("locus"):
        return config["locus"]
    main = os.path.join(REPO, "dist", "src", "cli", "main.js")
    if not os.path.exists(main):
        raise WorkflowError(f"locus is not built: no {main}; run `npm run build` in {REPO}, or set config locus")
    return f"node {shlex.quote(main)}"


# Rules run it as `UV_THREADPOOL_SIZE={threads} {LOCUS} ...`: Node's own thread pool (4 threads by
# default), on which a job inflates BGZF blocks beside its caller, is cut to the threads the job is
# given, so a job keeps to the cores Snakemake (or SLURM) counted for it.
LOCUS = locus_command()


def sheet_path():
    return config["samples"] or os.path.join(workflow.basedir, "samples.tsv")


def read_sample_sheet(path):
    """The sheet's rows as dicts, every path made absolute and checked; one error naming the line."""
    if not os.path.exists(path):
        raise WorkflowError(f"sample sheet {path} does not exist; give one with --config samples=PATH")
    folder = os.path.dirname(os.path.abspath(path))
    with open(path, newline="") as handle:
        lines = [(n, line) for n, line in enumerate(handle.read().splitlines(), 1)]
    lines = [(n, line) for n, line in lines if line.strip() and not line.startswith("#")]
    if not lines:
        raise WorkflowError(f"sample sheet {path} is empty; its first line names the columns: {', '.join(SHEET_COLUMNS)}")
    header_line, header = lines[0][0], lines[0][1].split("\t")
    unknown = [c for c in header if c not in SHEET_COLUMNS]
    missing = [c for c in ("sample", "input", "pipelines") if c not in header]
    if unknown or missing:
        problem = f"unknown column {unknown[0]!r}" if unknown else f"no {missing[0]!r} column"
        raise WorkflowError(
            f"{path} line {header_line}: {problem}; the tab-separated columns are {', '.join(SHEET_COLUMNS)}"
        )
    samples = {}
    for number, line in lines[1:]:
        where = f"{path} line {number}"
        fields = line.split("\t")
        if len(fields) > len(header):
            raise WorkflowError(f"{where}: {len(fields)} fields but {len(header)} columns; separate columns with one tab")
        row = dict(zip(header, fields + [""] * (len(header) - len(fields))))
        row = {k: v.strip() for k, v in row.items()}
        samples[row["sample"]] = check_row(row, where, folder, samples)
    if not samples:
        raise WorkflowError(f"sample sheet {path} has no samples below its header line")
    return samples


def check_row(row, where, folder, samples):
    name = row["sample"]
    if not SAMPLE_NAME.match(name):
        raise WorkflowError(f"{where}: sample name {name!r} must be letters, digits, '.', '_' or '-' (it names folders)")
    if name in samples:
        raise WorkflowError(f"{where}: sample {name!r} appears twice (first at {samples[name]['line']}); give each sample one line")
    pipelines = [p.strip() for p in row["pipelines"].split(",") if p.strip()]
    if not pipelines:
        raise WorkflowError(f"{where}: no pipelines for {name!r}; give a comma list of {', '.join(PIPELINES)}")
    for p in pipelines:
        if p not in PIPELINES:
            raise WorkflowError(f"{where}: unknown pipeline {p!r} for {name!r}; choose from {', '.join(PIPELINES)}")

    def existing(column, what):
        value = row.get(column, "")
        if not value:
            raise WorkflowError(f"{where}: {name!r} needs a {column} ({what})")
        path = value if os.path.isabs(value) else os.path.normpath(os.path.join(folder, value))
        if not os.path.exists(path):
            raise WorkflowError(f"{where}: {column} file {value} not found (looked for {path})")
        return path

    sample = {"name": name, "line": where, "pipelines": pipelines, "input": existing("input", "a BAM or FASTA")}
    is_bam = sample["input"].endswith(".bam")
    if "variants" in pipelines:
        if not is_bam:
            raise WorkflowError(f"{where}: variants reads aligned reads, but {row['input']} is not a .bam")
        indexes = (sample["input"] + ".bai", sample["input"] + ".csi", sample["input"][:-4] + ".bai")
        if not any(os.path.exists(index) for index in indexes):
            raise WorkflowError(f"{where}: {row['input']} has no index; run `samtools index {sample['input']}`")
        sample["reference"] = existing("reference", "the FASTA the reads were aligned to")
    for p in ("scan", "motifs"):
        if p in pipelines and is_bam:
            raise WorkflowError(f"{where}: {p} reads a FASTA, but {row['input']} is a BAM; give the genome or sequences")
    if row.get("background"):
        if "motifs" not in pipelines:
            raise WorkflowError(f"{where}: a background is only read by motifs, which {name!r} does not run")
        sample["background"] = existing("background", "background sequences for motifs")
    return sample


def plan_shards(reference, count, grid):
    """Shard names of `locus shards` for one reference (a parse-time call, about a third of a second)."""
    command = f"{LOCUS} shards {shlex.quote(reference)} --count {int(count)} --grid {int(grid)} --json --quiet"
    done = subprocess.run(command, shell=True, capture_output=True, text=True)
    if done.returncode != 0:
        raise WorkflowError(f"cannot plan shards of {reference}: {done.stderr.strip() or done.stdout.strip()}")
    return [s["name"] for s in json.loads(done.stdout)["shards"]]


def plan_all_shards(references, count, grid):
    """Each reference's shard names, asked once per reference with the calls side by side: a cohort
    on many references (one assembly per isolate) would otherwise wait for them one after another
    every time Snakemake parses the workflow, dry runs included. The first failure is raised."""
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return dict(zip(references, pool.map(lambda ref: plan_shards(ref, count, grid), references)))


SAMPLES = read_sample_sheet(sheet_path())
_calling = {name: s for name, s in SAMPLES.items() if "variants" in s["pipelines"]}
# dict.fromkeys: each reference once, in sheet order.
_planned = plan_all_shards(
    list(dict.fromkeys(s["reference"] for s in _calling.values())),
    config["variants"]["shards"],
    config["variants"]["chunk_size"],
)
SHARDS = {name: _planned[s["reference"]] for name, s in _calling.items()}


def samples_running(pipeline):
    return [name for name, s in SAMPLES.items() if pipeline in s["pipelines"]]


def shared_model():
    """The model folder the samples share, or None."""
    if not config["model"]:
        return None
    if config["model"] == "pretrain":
        if not config["pretrain"]["genomes"]:
            raise WorkflowError("config model is 'pretrain' but pretrain.genomes is empty; list the genomes to train on")
        return f"{OUT}/model/best"
    return config["model"]


MODEL = shared_model()
