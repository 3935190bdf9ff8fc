# Per-sample summary JSON and the cohort table (TSV and HTML).


def summary_inputs(wildcards):
    pipelines = SAMPLES[wildcards.sample]["pipelines"]
    inputs = {}
    if "scan" in pipelines:
        inputs["scan"] = f"{OUT}/{wildcards.sample}/scan"
    if "variants" in pipelines:
        inputs["variants"] = f"{OUT}/{wildcards.sample}/variants.vcf.gz"
    if "motifs" in pipelines:
        inputs["motifs"] = f"{OUT}/{wildcards.sample}/motifs"
    return inputs


rule sample_summary:
    input:
        unpack(summary_inputs),
    output:
        f"{OUT}/{{sample}}/summary.json",
    log:
        f"{OUT}/logs/{{sample}}/summary.log",
    threads: 1
    resources:
        mem_mb=300,
        runtime=10,
    params:
        parts=lambda w, input: " ".join(f"--{name} {shlex.quote(path)}" for name, path in input.items()),
    shell:
        "{LOCUS} cohort sample {wildcards.sample} {params.parts} -o {output:q} 2> {log:q}"


rule cohort:
    input:
        expand(f"{OUT}/{{sample}}/summary.json", sample=list(SAMPLES)),
    output:
        tsv=f"{OUT}/cohort.tsv",
        html=f"{OUT}/cohort.html",
    log:
        f"{OUT}/logs/cohort.log",
    threads: 1
    resources:
        mem_mb=300,
        runtime=10,
    shell:
        "{LOCUS} cohort table {input:q} --tsv {output.tsv:q} --html {output.html:q} 2> {log:q}"
