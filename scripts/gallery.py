"""Regenerate the gallery: one figure per family of losses, drawn by lossx.plot.

    python scripts/gallery.py            # docs/images/gallery-*.png and docs/gallery.md
    python scripts/gallery.py --page     # print the page only (what tests/cli/test_plot.py compares)

The figures live in ``FIGURES`` only: each one's losses, axis and range, the
``lossx plot`` command that draws it, and the two sentences the page says about it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"
PAGE = ROOT / "docs" / "gallery.md"
#: The residual beyond which the regression figure marks errors as outliers.
OUTLIER_RESIDUAL = 2.0


@dataclass(frozen=True)
class GalleryFigure:
    name: str
    title: str
    losses: tuple[str, ...]
    against: str
    x_range: tuple[float, float] | None
    text: str
    marks_outliers: bool = False

    @property
    def image(self) -> str:
        return f"images/gallery-{self.name}.png"

    @property
    def command(self) -> str:
        range_flag = f" --range {self.x_range[0]:g} {self.x_range[1]:g}" if self.x_range else ""
        return f"lossx plot {' '.join(self.losses)} --against {self.against}{range_flag} -o {self.name}.png"


FIGURES = (
    GalleryFigure(
        "regression",
        "Regression losses against the residual",
        ("mse", "mae", "huber:delta=1", "log_cosh"),
        "residual",
        (-4.0, 4.0),
        "The squared error's gradient grows with the residual, so a few outliers (shaded, |r| > 2) "
        "dominate an MSE fit, while MAE's gradient is ±1 everywhere and Huber's and log-cosh's level off "
        "at ±1: an outlier pulls no harder than a moderate error. Near zero Huber and log-cosh stay "
        "quadratic like MSE, so unlike MAE their gradient shrinks smoothly as the fit improves.",
        marks_outliers=True,
    ),
    GalleryFigure(
        "binary",
        "Binary losses against the margin",
        ("bce:from_logits=true", "focal:gamma=2,from_logits=true", "hinge", "squared_hinge"),
        "margin",
        None,
        "Against the margin m = y·f (positive: the right side of the boundary) the hinge stops at m = 1, "
        "while cross-entropy keeps a small gradient for every margin and so keeps pushing confident "
        "examples further. Focal loss does the same with a far smaller push on well-classified examples, "
        "and the squared hinge punishes examples on the wrong side quadratically.",
    ),
    GalleryFigure(
        "focal",
        "The focal family: γ from 0 to 5",
        ("focal:gamma=0", "focal:gamma=0.5", "focal:gamma=1", "focal:gamma=2", "focal:gamma=5"),
        "probability",
        None,
        "γ = 0 is binary cross-entropy; a larger γ multiplies the loss by (1 − p)^γ, which takes the loss "
        "and the gradient of well-classified examples (p above about 0.5) close to zero. Training then "
        "concentrates on the hard, misclassified examples, which is what helps under class imbalance.",
    ),
    GalleryFigure(
        "hinge",
        "The hinge family against the margin",
        ("perceptron", "hinge", "squared_hinge", "soft_margin"),
        "margin",
        None,
        "The perceptron loss is satisfied by any correct sign (margin 0); the hinge asks "
        "for a margin of 1 and pushes with a constant gradient until it is reached, the squared hinge with "
        "a gradient that fades linearly to 0 there. soft_margin (the logistic loss) is the smooth member "
        "that never quite reaches zero.",
    ),
    GalleryFigure(
        "cross-entropy",
        "Cross-entropy variants against the probability of the true class",
        ("cce", "cce:label_smoothing=0.2", "poly_cross_entropy:epsilon=2", "gce:q=0.7"),
        "probability",
        None,
        "Cross-entropy −log p grows without bound as p → 0, so a mislabelled example can dominate; "
        "generalized cross-entropy (1 − p^q)/q is bounded by 1/q, which makes it robust to label noise, "
        "and poly-1 adds ε·(1 − p) for a steeper pull near p = 1. Label smoothing (two classes, ε = 0.2) "
        "moves the minimum to p = 0.9: the loss rises again for over-confident predictions.",
    ),
    GalleryFigure(
        "sparsemax",
        "Sparse and margin losses over the classes, against the margin",
        ("multiclass_sparsemax", "multiclass_perceptron", "cce:from_logits=true", "categorical_hinge"),
        "margin",
        None,
        "With two classes the sparsemax loss is a smoothed hinge: exactly 0 from margin 1 on, where "
        "sparsemax gives the true class all the probability, (1 − m)²/4 between −1 and 1, and linear "
        "below. Cross-entropy never reaches zero and keeps a small push on confident examples; the "
        "perceptron is satisfied at margin 0, and the categorical hinge pulls with a constant gradient "
        "until margin 1.",
    ),
    GalleryFigure(
        "divergences",
        "KL and Jensen–Shannon against the probability of the true class",
        ("kl_divergence", "jensen_shannon"),
        "probability",
        None,
        "Against a one-hot target the KL divergence is −log p: unbounded, so one mislabelled example "
        "can dominate a batch. Jensen–Shannon compares both distributions with their average, so it is "
        "symmetric and bounded by log 2 ≈ 0.69, and its slope ½·log(p/(1 + p)) grows only "
        "logarithmically as p → 0 (−2.3 at p = 0.01, where KL's is −100).",
    ),
)

API = """\
## The API

```python
import lossx

data = lossx.curves(["mse", "huber:delta=2", ("quantile", {"quantile": 0.9})])   # NumPy only
data.against, data.x              # "residual", the grid (float64)
for curve in data:                # lossx.Curve: loss, options, label, against, x, value, derivative
    curve.label, curve.value, curve.derivative

figure = lossx.plot(["bce", "hinge"], against="margin")   # a matplotlib Figure (pip install 'lossx[plot]')
figure.savefig("margin.png")
```

```bash
lossx plot huber mse --option huber.delta=2 --against residual --backend torch -o regression.svg
```

- **Losses**: a name (snake, class or alias), a name with options (`"huber:delta=2"`,
  `"focal:gamma=2,from_logits=true"`) or a `(name, options)` pair; the same loss may appear
  several times. `options={"huber": {"delta": 2}}` (the command line's `--option huber.delta=2`)
  sets options on every entry of that loss, overriding the entry's own.
- **The x axis** (`against`, `--against`): `residual` (y_pred − y_true, regression losses),
  `margin` (y·f with y = ±1: hinge-type and logistic losses, and cross-entropies of logits),
  `probability` of the true class, or its `logit` (cross-entropies, focal, poly, GCE, KL, NLL).
  By default the first loss's own (residual, probability or margin), or the first of its other
  axes that every loss accepts. An axis that does not fit a loss, or losses with no axis in
  common, are refused with the axes each loss accepts; losses with no curve against one quantity
  (overlap, embedding, sequence losses, and MAPE, MSLE and Poisson, which depend on y_true itself)
  are refused with the reason.
- **How a loss meets the axis**: residual r: `y_pred = r`, `y_true = 0`; margin m: the score of
  the true class (`y_true = 1`; class-axis losses get two classes with scores `[m, 0]`); probability
  p and logit z: two classes, the true one first, `p = σ(z)`, the prediction given in the form the
  options ask for (probabilities, logits with `from_logits=True`, log-probabilities for `nll`), so
  the curve is the same function of p whatever the form.
- **The numbers are lossx's**: each loss is evaluated with `reduction="none"` in float64 on the
  backend (`backend=`, `--backend`: `numpy`, `torch`, `jax`, `tensorflow`), and the derivative
  d loss / d x comes from its autodiff (`torch.autograd`, `jax.vjp`, `tf.GradientTape`). NumPy
  has no autodiff: on `numpy` the derivative is a central difference in float64 (step
  1e-6·max(1, |x|), about 1e-9 relative error on smooth losses), and the figure says so. By default
  the backend is the first installed of torch, jax and tensorflow, else numpy (numpy without
  `grad`). At a kink (|r| at 0, the hinge at 1) autodiff gives the framework's subgradient.
- **The figure** (`lossx.plot`, `lossx plot`): the values above, the derivatives below on the
  same x (`grad=False`, `--no-grad`: values only); matplotlib's object API on the Agg canvas.
  `lossx plot` writes `.png`, `.svg` or `.pdf` (`-o`, default `lossx-plot.png`) and exits 0, or
  2 for an unknown loss, a bad option, an axis that does not fit, an unknown extension or a
  missing matplotlib. `lossx.curves` needs no matplotlib; `lossx.plot` without it raises
  `lossx.MissingFrameworkError` naming `pip install 'lossx[plot]'`.
"""


def page() -> str:
    """docs/gallery.md."""
    lines = [
        "# Gallery: losses and their derivatives",
        "",
        "Generated by `python scripts/gallery.py`, which draws every figure with `lossx.plot`; do not edit by hand.",
        "Each figure shows the losses' values (top) and their derivatives with respect to the x quantity "
        "(bottom), computed by lossx; the command under it draws the same curves (without the title and "
        "shading). [The API](#the-api) is described at the end.",
        "",
    ]
    for figure in FIGURES:
        lines += [
            f"## {figure.title}",
            "",
            f"![{figure.title}]({figure.image})",
            "",
            figure.text,
            "",
            "```bash",
            figure.command,
            "```",
            "",
        ]
    return "\n".join(lines) + "\n" + API


def draw(figure: GalleryFigure):
    import lossx

    drawn = lossx.plot(list(figure.losses), against=figure.against, x_range=figure.x_range, title=figure.title)
    if figure.marks_outliers:
        for panel in drawn.axes:
            low, high = panel.get_xlim()
            for start, stop in ((low, -OUTLIER_RESIDUAL), (OUTLIER_RESIDUAL, high)):
                panel.axvspan(start, stop, color="0.85", alpha=0.6, zorder=0, linewidth=0)
            panel.set_xlim(low, high)
        drawn.axes[0].text(
            0.015, 0.5, "outliers", transform=drawn.axes[0].transAxes, color="0.35", fontsize="small", va="center"
        )
        drawn.axes[0].text(
            0.985,
            0.5,
            "outliers",
            transform=drawn.axes[0].transAxes,
            color="0.35",
            fontsize="small",
            va="center",
            ha="right",
        )
    return drawn


def main(argv: list[str]) -> int:
    if argv == ["--page"]:
        sys.stdout.write(page())
        return 0
    if argv:
        sys.stderr.write(__doc__)
        return 2
    IMAGES.mkdir(parents=True, exist_ok=True)
    for figure in FIGURES:
        path = ROOT / "docs" / figure.image
        draw(figure).savefig(path, dpi=100)
        print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size / 1024:.0f} KB)")
    PAGE.write_text(page(), encoding="utf-8")
    print(f"wrote {PAGE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
