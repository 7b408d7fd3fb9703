"""reporter: TradeTapp subcontractor prequalification packets (PDF + Excel).

Stages: fetch (reporter.api) -> transform (reporter.transform) -> render (reporter.render)
-> deliver (reporter.deliver), wired by reporter.pipeline.
"""

__version__ = "0.1.0"
