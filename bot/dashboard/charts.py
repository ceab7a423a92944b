"""Bar charts drawn on the server as SVG (no script, no library): horizontal bars, one per
label, with the value written at the end; an optional second value draws as the bar's track
(seats taken of capacity, agencies that acknowledged of all)."""

from dataclasses import dataclass

from markupsafe import Markup, escape

ROW, LABEL_WIDTH, BAR_WIDTH, GAP = 26, 230, 300, 6


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    out_of: int | None = None

    @property
    def shown(self) -> str:
        return f"{self.value}/{self.out_of}" if self.out_of is not None else str(self.value)


def bars(title: str, items: list[Bar]) -> Markup:
    """An accessible SVG: its title names the chart, each bar has its label and figure."""
    top = max([b.out_of or b.value for b in items] + [1])
    height = ROW * len(items) + GAP
    width = LABEL_WIDTH + BAR_WIDTH + 70
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" '
             f'viewBox="0 0 {width} {height}" aria-label="{escape(title)}">'
             f"<title>{escape(title)}</title>"]
    for row, bar in enumerate(items):
        y = GAP + row * ROW
        label = bar.label if len(bar.label) <= 34 else bar.label[:33] + "…"
        parts.append(f'<text x="{LABEL_WIDTH - 8}" y="{y + 14}" text-anchor="end" '
                     f'font-size="13" fill="#1f2933">{escape(label)}</text>')
        if bar.out_of is not None:
            parts.append(f'<rect x="{LABEL_WIDTH}" y="{y}" height="18" fill="#d9e2ec" '
                         f'width="{round(BAR_WIDTH * bar.out_of / top, 1)}"/>')
        parts.append(f'<rect x="{LABEL_WIDTH}" y="{y}" height="18" fill="#1d5fa8" '
                     f'width="{round(BAR_WIDTH * bar.value / top, 1)}"/>')
        end = LABEL_WIDTH + BAR_WIDTH * (bar.out_of or bar.value) / top + 6
        parts.append(f'<text x="{round(end, 1)}" y="{y + 14}" font-size="13" '
                     f'fill="#1f2933">{escape(bar.shown)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
