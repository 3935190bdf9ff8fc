# Motif discovery, one job per sequence set.

MOTIFS = config["motifs"]


rule motifs:
    input:
        targets=lambda w: SAMPLES[w.sample]["input"],
        background=lambda w: SAMPLES[w.sample].get("background", []),
    output:
        directory(f"{OUT}/{{sample}}/motifs"),
    log:
        f"{OUT}/logs/{{sample}}/motifs.log",
    benchmark:
        f"{OUT}/benchmarks/{{sample}}/motifs.tsv"
    threads: MOTIFS["threads"]
    resources:
        mem_mb=MOTIFS["mem_mb"],
        runtime=MOTIFS["runtime"],
    params:
        background=lambda w, input: f"--background {input.background}" if input.background else "",
        args=MOTIFS["args"],
    shell:
        "UV_THREADPOOL_SIZE={threads} {LOCUS} motifs {input.targets:q} -o {output:q} {params.background} --workers {threads}"
        " {params.args} --quiet > {log:q} 2>&1"
