"""法治政府建设考核规则引擎 (rule-of-law assessment engine)."""

__version__ = "0.1.0"
