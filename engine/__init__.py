"""法治政府建设考核规则引擎 (rule-of-law assessment engine).

Data flows one way; a package imports only those above it in this list:

    errors, result, files    typed problems; the result every renderer reads; safe output files
    documents/               bytes → located document (YAML/JSON with line:col, xlsx guard, messages)
    ruleset/                 rules file → checked Ruleset (model, conditions, build, inheritance, folders)
    intake/                  submission file → Submission (values, rates, 填报表 reader, review file)
    evaluation/              Ruleset + Submission → fired checks (checks, plain evaluator, durable/)
    scoring/                 fired checks → scored items, totals, grades
    assessment               one assessment, start to finish
    extract/                 a draft submission from an annual report
    api                      what callers use: choose a ruleset, load, assess, extract
    render/, tools/          JSON/text; check, cases, diff, explain, verify, schema, export, summary
    scoresheets (top level)  the workbooks, and reading a scoresheet back
    batch/, cli/             many units; the `assess` command, one module per verb
"""

__version__ = "0.1.0"
