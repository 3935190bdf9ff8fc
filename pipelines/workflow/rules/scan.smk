# Genome anomaly scanning, one job per genome: its model and its bulk are learnt from the whole
# genome, so it is not sharded.

SCAN = config["scan"]


rule scan:
    input:
        genome=lambda w: SAMPLES[w.sample]["input"],
        model=lambda w: model_input(w) if SCAN["use_model"] else [],
    output:
        directory(f"{OUT}/{{sample}}/scan"),
    log:
        f"{OUT}/logs/{{sample}}/scan.log",
    benchmark:
        f"{OUT}/benchmarks/{{sample}}/scan.tsv"
    threads: SCAN["threads"]
    resources:
        mem_mb=SCAN["mem_mb"],
        runtime=SCAN["runtime"],
    params:
        method=SCAN["method"],
        model=f"--model {MODEL}" if SCAN["use_model"] and MODEL else "",
        args=SCAN["args"],
    shell:
        "UV_THREADPOOL_SIZE={threads} {LOCUS} scan {input.genome:q} -o {output:q} --method {params.method} --workers {threads}"
        " {params.model} {params.args} --quiet > {log:q} 2>&1"
