# The optional model the samples share: pretrained here on config pretrain.genomes when model is
# "pretrain" (a shipped name or a checkpoint folder is used as it is).


def model_input(wildcards):
    return [f"{OUT}/model"] if config["model"] == "pretrain" else []


rule pretrain:
    input:
        genomes=config["pretrain"]["genomes"],
    output:
        directory(f"{OUT}/model"),
    log:
        f"{OUT}/logs/pretrain.log",
    benchmark:
        f"{OUT}/benchmarks/pretrain.tsv"
    threads: config["pretrain"]["threads"]
    resources:
        mem_mb=config["pretrain"]["mem_mb"],
        runtime=config["pretrain"]["runtime"],
    params:
        args=config["pretrain"]["args"],
    shell:
        "UV_THREADPOOL_SIZE={threads} {LOCUS} pretrain {input.genomes:q} -o {output:q} --workers {threads} {params.args} --quiet > {log:q} 2>&1"
