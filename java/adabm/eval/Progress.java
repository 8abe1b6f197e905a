package adabm.eval;

/** Progress of a loop over images, for the CLI: called after image {@code done} (1-based) of {@code total}. */
@FunctionalInterface
public interface Progress {
    Progress NONE = (done, total, name) -> { };

    void update(int done, int total, String name);
}
