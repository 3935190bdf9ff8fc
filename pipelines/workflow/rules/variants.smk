# Variants, scattered over the shards of the reference (`locus variants --shard K/N`) and gathered
# with bcftools concat. Shard edges lie on the --chunk-size grid, so each shard is called in the
# chunks (and margins) of an unsharded run and the merged VCF has the same records.

VARIANTS = config["variants"]
SHARD_DIR = OUT + "/{sample}/variants/shards"


def variants_inputs(wildcards):
    sample = SAMPLES[wildcards.sample]
    return {"bam": sample["input"], "reference": sample["reference"]}


rule variants_shard:
    input:
        unpack(variants_inputs),
        model=lambda w: model_input(w) if VARIANTS["use_model"] else [],
    output:
        vcf=f"{SHARD_DIR}/{{shard}}.vcf.gz",
        tbi=f"{SHARD_DIR}/{{shard}}.vcf.gz.tbi",
        json=f"{SHARD_DIR}/{{shard}}.json",
    log:
        f"{OUT}/logs/{{sample}}/variants.{{shard}}.log",
    benchmark:
        f"{OUT}/benchmarks/{{sample}}/variants.{{shard}}.tsv"
    threads: VARIANTS["threads"]
    resources:
        mem_mb=VARIANTS["mem_mb"],
        runtime=VARIANTS["runtime"],
    params:
        # shard-3 -> 3/N: the third of the N shards `locus shards --count N` lists.
        shard=lambda w: f"{int(w.shard.split('-')[1])}/{VARIANTS['shards']}",
        grid=VARIANTS["chunk_size"],
        model=f"--model {MODEL}" if VARIANTS["use_model"] and MODEL else "",
        args=VARIANTS["args"],
    shell:
        "UV_THREADPOOL_SIZE={threads} {LOCUS} variants {input.bam:q} --ref {input.reference:q} --shard {params.shard}"
        " --chunk-size {params.grid} -o {output.vcf:q} --workers {threads} {params.model} {params.args}"
        " --quiet --json > {output.json:q} 2> {log:q}"


rule variants_merge:
    input:
        vcfs=lambda w: expand(f"{SHARD_DIR}/{{shard}}.vcf.gz", sample=w.sample, shard=SHARDS[w.sample]),
        tbis=lambda w: expand(f"{SHARD_DIR}/{{shard}}.vcf.gz.tbi", sample=w.sample, shard=SHARDS[w.sample]),
    output:
        vcf=f"{OUT}/{{sample}}/variants.vcf.gz",
        tbi=f"{OUT}/{{sample}}/variants.vcf.gz.tbi",
    log:
        f"{OUT}/logs/{{sample}}/variants.merge.log",
    benchmark:
        f"{OUT}/benchmarks/{{sample}}/variants.merge.tsv"
    threads: 1
    resources:
        mem_mb=200,
        runtime=30,
    shell:
        "(bcftools concat --allow-overlaps --output-type z --output {output.vcf:q} {input.vcfs:q}"
        " && bcftools index --tbi {output.vcf:q}) 2> {log:q}"
