package io.headroom.predictor.forecast;

import org.tribuo.Trainer;
import org.tribuo.math.optimisers.AdaGrad;
import org.tribuo.regression.Regressor;
import org.tribuo.regression.sgd.linear.LinearSGDTrainer;
import org.tribuo.regression.sgd.objectives.SquaredLoss;
import org.tribuo.regression.xgboost.XGBoostRegressionTrainer;

import java.util.function.Supplier;

/**
 * Which Tribuo regressor to train, wrapping Tribuo's long positional constructors.
 *
 * @param name    model name shown in intents and plans
 * @param trainer builds a fresh trainer (trainers are configured, not stateful, but a fresh one keeps provenance clean)
 */
public record RegressorSpec(String name, Supplier<Trainer<Regressor>> trainer) {

    /** Linear regression by SGD: squared loss, AdaGrad, fixed seed. Cheap (10k rows in about 0.2 s). */
    public static RegressorSpec linearSgd(int epochs, double learningRate, long seed) {
        return new RegressorSpec("linear-sgd",
                () -> new LinearSGDTrainer(new SquaredLoss(), new AdaGrad(learningRate, 1e-6), epochs, Integer.MAX_VALUE, 1, seed));
    }

    /**
     * Linear regression by SGD on the absolute loss (the conditional median: what an MAE rewards on skewed, bursty
     * counts), AdaGrad, fixed seed.
     */
    public static RegressorSpec linearSgdAbsolute(int epochs, double learningRate, long seed) {
        return new RegressorSpec("linear-l1", () -> new LinearSGDTrainer(new org.tribuo.regression.sgd.objectives.AbsoluteLoss(),
                new AdaGrad(learningRate, 1e-6), epochs, Integer.MAX_VALUE, 1, seed));
    }

    public static RegressorSpec linearSgdAbsolute() {
        return linearSgdAbsolute(20, 0.05, 42L);
    }

    public static RegressorSpec linearSgd() {
        return linearSgd(20, 0.05, 42L);
    }

    /**
     * One regression tree (Tribuo CART, mean squared error, at least 5 rows a leaf, random split points: exhaustive
     * splits on dense continuous features cost about 4x more, see STACK.md). Off by default: measured not to pay
     * (docs/forecaster.md); {@link ModelCatalog#withCart} adds it to the candidates.
     */
    public static RegressorSpec cart(int maxDepth, long seed) {
        return new RegressorSpec("cart", () -> new org.tribuo.regression.rtree.CARTRegressionTrainer(maxDepth, 5f, 0f, 1f, true,
                new org.tribuo.regression.rtree.impurity.MeanSquaredError(), seed));
    }

    /** Gradient-boosted trees; score in batches (one row costs 100x a row in a batch). Needs libgomp at run time. */
    public static RegressorSpec xgboost(int trees, int maxDepth, long seed) {
        return new RegressorSpec("xgboost", () -> new XGBoostRegressionTrainer(XGBoostRegressionTrainer.RegressionType.LINEAR,
                trees, 0.3, 0, maxDepth, 1, 1.0, 1.0, 1.0, 0, 1, true, seed));
    }
}
