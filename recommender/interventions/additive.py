"""The two ridge regressions on additive spline bases inside the DR-learner.

``AdditiveOutcome`` is the outcome model (where the per-citizen heterogeneity comes from);
``AdditiveRidge`` is the final stage that corrects its contrast (its bootstrap replicates gave the
intervals of the earlier design). The outcome model also keeps the posterior covariance of its interaction
coefficients: the ridge penalty read as a Gaussian prior, so the uncertainty of each citizen's contrast
includes what the penalty shrank away, not only the sampling noise (``recommender.interventions.uncertainty``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.preprocessing import SplineTransformer


def spline_basis(spline: SplineTransformer, X: np.ndarray) -> np.ndarray:
    """What ``spline.transform(X)`` gives for a fitted cubic ``extrapolation="constant"`` spline without NaNs,
    bit for bit, at a fraction of the cost: per-call validation dominated the per-citizen programme page.

    Constant extrapolation is the basis at the nearest boundary knot, so clipping to the knot range and
    evaluating scipy's B-spline directly gives the same numbers (tests compare them with ``transform``).
    """
    parts = []
    for j, spl in enumerate(spline.bsplines_):
        lo, hi = spl.t[spl.k], spl.t[-spl.k - 1]
        parts.append(spl(np.clip(X[:, j], lo, hi)))
    return np.hstack(parts) if parts else np.zeros((len(X), 0))


class AdditiveRidge:
    """Weighted ridge on an additive basis (cubic splines of continuous columns, binary ones as they are).

    The penalty is chosen by 5-fold cross-validation of the weighted pseudo-outcome loss (an unbiased proxy
    of the effect error up to a constant); the grid ends in an infinite penalty, i.e. a constant effect,
    which cross-validation picks when no heterogeneity is detectable. (The one-standard-error rule is an
    option; on the tuning world and on IHDP it over-smoothed: 0.039 vs 0.037 and 1.91 vs 1.48.)
    Bootstrap replicates re-weight the rows by their resampling counts and re-solve with that penalty, from
    d x d Gram matrices, so a replicate costs one pass over the rows. ``kind="constant"`` fits one weighted
    mean (a reference estimator).
    """

    ALPHAS = np.concatenate([np.logspace(-4, 2, 13), [np.inf]])  # times the Gram matrix's largest eigenvalue
    FOLDS = 5

    def __init__(self, continuous: np.ndarray, knots: int, kind: str = "additive", rule: str = "min") -> None:
        self.continuous, self.knots, self.kind, self.rule = continuous, knots, kind, rule

    def fit(
        self, V: np.ndarray, y: np.ndarray, w: np.ndarray, n_boot: int, rng: np.random.Generator
    ) -> AdditiveRidge:
        fill = np.nanmedian(V, axis=0)
        self.fill_ = np.where(np.isfinite(fill), fill, 0.0)
        cont = np.flatnonzero(self.continuous)
        self.spline_ = (
            SplineTransformer(n_knots=self.knots, degree=3, knots="quantile", extrapolation="constant").fit(
                self._impute(V)[:, cont]
            )
            if len(cont) and self.kind == "additive"
            else None
        )
        raw = self._raw_basis(V)
        self.mean_ = raw.mean(axis=0)
        sd = raw.std(axis=0)
        self.scale_ = np.where(sd > 1e-12, sd, 1.0)
        Phi = (raw - self.mean_) / self.scale_
        w = w / w.mean()
        n = len(y)
        self.alpha_ = self._cv_alpha(Phi, y, w, rng) if Phi.shape[1] else np.inf
        counts = [np.ones(n)] + [
            np.bincount(rng.integers(0, n, n), minlength=n).astype(float) for _ in range(n_boot)
        ]
        sols = [self._solve(Phi, y, w * c, self.alpha_) for c in counts]
        self.intercepts_ = np.array([s[0] for s in sols])
        self.coefs_ = np.column_stack([s[1] for s in sols]) if Phi.shape[1] else np.zeros((0, len(sols)))
        return self

    @staticmethod
    def _gram(
        Phi: np.ndarray, y: np.ndarray, w: np.ndarray
    ) -> tuple[float, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        sw = w.sum()
        ybar = float(w @ y / sw)
        pbar = w @ Phi / sw
        Z = Phi - pbar
        G = (Z * w[:, None]).T @ Z
        lam, vec = np.linalg.eigh(G)
        q = vec.T @ (Z.T @ (w * (y - ybar)))
        return ybar, pbar, np.clip(lam, 0.0, None), vec, q

    @staticmethod
    def _coefs(lam: np.ndarray, vec: np.ndarray, q: np.ndarray, alphas: np.ndarray) -> np.ndarray:
        """(d, len(alphas)) ridge coefficients; an infinite penalty gives zeros."""
        with np.errstate(divide="ignore", invalid="ignore"):
            shrink = np.where(np.isinf(alphas)[None, :], 0.0, 1.0 / (lam[:, None] + alphas[None, :]))
        return np.asarray(vec @ (q[:, None] * shrink))

    def _cv_alpha(self, Phi: np.ndarray, y: np.ndarray, w: np.ndarray, rng: np.random.Generator) -> float:
        n = len(y)
        lam_max = max(float(np.linalg.eigvalsh((Phi * w[:, None]).T @ Phi).max()), 1e-12)
        grid = self.ALPHAS * lam_max
        fold = rng.permutation(n) % self.FOLDS
        loss = np.zeros((n, len(grid)))
        for f in range(self.FOLDS):
            tr, te = fold != f, fold == f
            if tr.sum() < 2 or te.sum() == 0:
                continue
            ybar, pbar, lam, vec, q = self._gram(Phi[tr], y[tr], w[tr])
            B = self._coefs(lam, vec, q, grid)
            pred = (Phi[te] - pbar) @ B + ybar
            loss[te] = w[te, None] * (y[te, None] - pred) ** 2
        mean = loss.mean(axis=0)
        se = loss.std(axis=0, ddof=1) / np.sqrt(n)
        best = int(np.argmin(mean))
        if self.rule == "min":
            return float(grid[best])
        ok = np.flatnonzero(mean <= mean[best] + se[best])
        return float(grid[ok.max()])  # the most regularised penalty within one standard error

    def _solve(self, Phi: np.ndarray, y: np.ndarray, w: np.ndarray, alpha: float) -> tuple[float, np.ndarray]:
        if Phi.shape[1] == 0:
            return float(w @ y / w.sum()), np.zeros(0)
        ybar, pbar, lam, vec, q = self._gram(Phi, y, w)
        beta = self._coefs(lam, vec, q, np.array([alpha]))[:, 0]
        return ybar - float(pbar @ beta), beta

    def _impute(self, V: np.ndarray) -> np.ndarray:
        return np.where(np.isnan(V), self.fill_, V)

    def _raw_basis(self, V: np.ndarray) -> np.ndarray:
        if self.kind == "constant":
            return np.zeros((len(V), 0))
        X = self._impute(V)
        parts = [X[:, ~self.continuous]]
        if self.spline_ is not None:
            parts.append(spline_basis(self.spline_, X[:, self.continuous]))
        return np.column_stack(parts)

    def predict_all(self, V: np.ndarray) -> np.ndarray:
        """(m, 1 + n_boot): the point fit in column 0, then the bootstrap replicates."""
        Phi = (self._raw_basis(V) - self.mean_) / self.scale_
        return np.asarray(Phi @ self.coefs_ + self.intercepts_, dtype=np.float64)

    def predict(self, V: np.ndarray) -> np.ndarray:
        Phi = (self._raw_basis(V) - self.mean_) / self.scale_
        return np.asarray(Phi @ self.coefs_[:, 0] + self.intercepts_[0], dtype=np.float64)


class AdditiveOutcome:
    """Outcome model ``mu_a(x) = f(x) + 1[a>0] (c_a + g_a(v))``: a ridge regression (a linear probability
    model for a binary outcome) on an additive basis of all features ``x`` (cubic splines of continuous
    columns, others as they are), a constant per arm and per-arm additive functions ``g_a`` of the effect
    modifiers ``v``. The contrast ``mu_k - mu_0 = c_k + g_k(v)`` is a smooth function of the modifiers only.

    Why: pseudo-outcomes divided by propensities of 2-20 % are too noisy for the final stage to find the
    heterogeneity on its own, and a boosted pooled model spends its splits on the baseline. Here the
    penalty on the interactions is chosen by K-fold cross-validation of the *outcome* (squared error of
    ``y``, far less noisy than the pseudo-outcome loss), over a grid that ends in no interactions at all.
    The baseline ``f`` and the arm constants get a small fixed penalty. All folds reuse one Gram matrix.
    """

    GRID = np.logspace(-4, 1, 11)  # interaction penalty per row (times n), standardized columns
    MAIN = 1e-4  # the main-effect penalty per row
    FOLDS = 5

    def __init__(
        self,
        n_arms: int,
        modifiers: np.ndarray | None,
        knots: int,
        seed: int,
        heterogeneity_sd: float | None = None,
    ) -> None:
        self.n_arms, self.modifiers, self.knots, self.seed = n_arms, modifiers, knots, seed
        self.heterogeneity_sd = heterogeneity_sd

    def _fit_basis(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[Any]]:
        fill = np.nanmedian(X, axis=0) if len(X) else np.zeros(X.shape[1])
        fill = np.where(np.isfinite(fill), fill, 0.0)
        Xi = np.where(np.isnan(X), fill, X)
        splines: list[Any] = []
        for c in Xi.T:
            if len(np.unique(c)) > 10:
                splines.append(
                    SplineTransformer(
                        n_knots=self.knots, degree=3, knots="quantile", extrapolation="constant"
                    ).fit(c[:, None])
                )
            else:
                splines.append(None)
        return fill, Xi, splines

    @staticmethod
    def _basis(Xi: np.ndarray, splines: Sequence[Any]) -> np.ndarray:
        # A cubic B-spline basis sums to one: its last column is dropped (the intercept carries it).
        parts = [
            c[:, None] if s is None else spline_basis(s, c[:, None])[:, :-1]
            for c, s in zip(Xi.T, splines, strict=True)
        ]
        return np.column_stack(parts) if parts else np.zeros((len(Xi), 0))

    def _features(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        Xi = np.where(np.isnan(X), self.fill_, X)
        B = (self._basis(Xi, self.splines_) - self.b_mean_) / self.b_scale_
        Vi = Xi if self.modifiers is None else Xi[:, self.modifiers]
        M = (self._basis(Vi, self.m_splines_) - self.m_mean_) / self.m_scale_
        return B, M

    def _design(self, B: np.ndarray, M: np.ndarray, t: np.ndarray) -> np.ndarray:
        onehot = np.zeros((len(t), self.n_arms - 1))
        treated = t > 0
        onehot[np.flatnonzero(treated), t[treated] - 1] = 1.0
        inter = (onehot[:, :, None] * M[:, None, :]).reshape(len(t), -1)
        return np.column_stack([np.ones(len(t)), B, onehot, inter])

    def fit(self, X: np.ndarray, t: np.ndarray, y: np.ndarray) -> AdditiveOutcome:
        n = len(y)
        self.fill_, Xi, self.splines_ = self._fit_basis(X)
        raw = self._basis(Xi, self.splines_)
        self.b_mean_, sd = raw.mean(axis=0), raw.std(axis=0)
        self.b_scale_ = np.where(sd > 1e-12, sd, 1.0)
        Vi = Xi if self.modifiers is None else Xi[:, self.modifiers]
        _, _, self.m_splines_ = self._fit_basis(Vi)
        raw_m = self._basis(Vi, self.m_splines_)
        self.m_mean_, sd = raw_m.mean(axis=0), raw_m.std(axis=0)
        self.m_scale_ = np.where(sd > 1e-12, sd, 1.0)
        B, M = self._features(X)
        D = self._design(B, M, t)
        main = 1 + B.shape[1] + self.n_arms - 1
        is_inter = np.arange(D.shape[1]) >= main

        def penalty(lam: float) -> np.ndarray:
            pen = np.where(is_inter, lam * n, self.MAIN * n)
            pen[0] = 0.0
            return pen

        grid = [*self.GRID.tolist(), np.inf]
        fold = np.random.default_rng(self.seed).permutation(n) % self.FOLDS
        G = [D[fold == f].T @ D[fold == f] for f in range(self.FOLDS)]
        r = [D[fold == f].T @ y[fold == f] for f in range(self.FOLDS)]
        G_all, r_all = sum(G), sum(r)
        loss = np.zeros(len(grid))
        for f in range(self.FOLDS):
            te = fold == f
            for j, lam in enumerate(grid):
                beta = self._solve(G_all - G[f], r_all - r[f], penalty(lam))
                loss[j] += float(np.sum((y[te] - D[te] @ beta) ** 2))
        self.penalty_ = float(grid[int(np.argmin(loss))])
        pen = penalty(self.penalty_)
        self.coef_ = self._solve(G_all, r_all, pen)
        s2 = float(np.mean((y - D @ self.coef_) ** 2))
        if self.heterogeneity_sd is not None and self.heterogeneity_sd > 0:
            # Never shrink harder than a prior under which effects differ between citizens by
            # ``heterogeneity_sd`` (standard deviation over the rows) would: the coefficients' prior variance
            # is that spread shared over the basis columns. Outcome cross-validation cannot see 3-5 pp of
            # heterogeneity among a few hundred binary outcomes and often removes it altogether, which
            # made the posterior width zero where the error was largest.
            b = int((M.std(axis=0) > 0).sum())
            cap = s2 * max(b, 1) / (self.heterogeneity_sd**2 * n)
            self.penalty_ = float(min(self.penalty_, cap))
            pen = penalty(self.penalty_)
            self.coef_ = self._solve(G_all, r_all, pen)
            s2 = float(np.mean((y - D @ self.coef_) ** 2))
        self.contrast_cov_ = self._posterior_cov(G_all, pen, s2, main)
        return self

    def _posterior_cov(self, G: np.ndarray, pen: np.ndarray, s2: float, main: int) -> np.ndarray:
        """Posterior covariance ``s2 (G + P)^-1`` of the interaction coefficients (arm-major blocks).

        Why posterior rather than sampling covariance: the penalty shrinks each arm's heterogeneity toward
        a constant, and that shrinkage is an error the sampling covariance does not see; read as a prior it
        is (Wahba 1983, Nychka 1988: such intervals cover about their level on average over the design).
        An infinite penalty pins the interactions at zero, with zero variance.
        """
        keep = np.isfinite(pen)
        cov = np.zeros((len(pen), len(pen)))
        A = G[np.ix_(keep, keep)] + np.diag(pen[keep])
        cov[np.ix_(keep, keep)] = s2 * np.linalg.pinv(A, hermitian=True)
        return cov[main:, main:]

    def modifier_basis(self, X: np.ndarray) -> np.ndarray:
        """(m, b) standardized basis of the effect modifiers: arm k's contrast is ``c_k + basis @ beta_k``."""
        return self._features(X)[1]

    @staticmethod
    def _solve(G: np.ndarray, r: np.ndarray, pen: np.ndarray) -> np.ndarray:
        beta = np.zeros(len(r))
        keep = np.isfinite(pen)  # an infinite penalty pins a coefficient at zero
        A = G[np.ix_(keep, keep)] + np.diag(pen[keep])
        try:
            beta[keep] = np.linalg.solve(A, r[keep])
        except np.linalg.LinAlgError:
            beta[keep] = np.linalg.lstsq(A, r[keep], rcond=None)[0]
        return beta

    def predict_arms(self, X: np.ndarray) -> np.ndarray:
        """(m, n_arms) expected outcome under each arm."""
        B, M = self._features(X)
        return np.column_stack(
            [self._design(B, M, np.full(len(X), a, dtype=np.int64)) @ self.coef_ for a in range(self.n_arms)]
        )
