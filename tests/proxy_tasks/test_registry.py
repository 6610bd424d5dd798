"""The registry: names, sizes, caching and the messages of TaskError."""

import pytest

import proxy_tasks
from proxy_tasks import SIZES, Task, TaskError, data, get_task, registry, task_names

REQUIRED = {"digits_mlp", "digits_vit", "shakespeare_lm", "cancer_mlp", "fashion_mnist"}


def test_registry_holds_the_required_tasks_and_families():
    assert set(task_names()) >= REQUIRED
    assert task_names() == sorted(task_names())
    families = {get_task(name).family for name in task_names()}
    assert families == {"vision", "language", "tabular"}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", task_names())
def test_every_size_builds_a_consistent_task(name, size):
    task = get_task(name, size)
    assert isinstance(task, Task)
    assert (task.name, task.size) == (name, size)
    assert 0 < task.warmup_steps < task.num_steps
    assert task.batch_size > 0
    assert task.metric_name in {"val_accuracy", "neg_val_loss"}
    assert task.divergence_loss > 0
    assert get_task(name, size) is task, "building is cached"


@pytest.mark.parametrize("name", task_names())
def test_larger_sizes_train_more(name):
    small, medium, large = (get_task(name, size) for size in SIZES)
    work = [t.num_params() * t.num_steps * t.batch_size for t in (small, medium, large)]
    assert work[0] < work[1] < work[2]


def test_worst_fitness_is_below_any_sensible_result():
    for name in task_names():
        task = get_task(name)
        if task.metric_name == "val_accuracy":
            assert task.worst_fitness == 0.0
        else:
            assert task.worst_fitness < -4.0


def test_unknown_name_suggests_the_closest_task():
    with pytest.raises(TaskError, match="did you mean 'digits_mlp'"):
        get_task("digits_mpl")


def test_unknown_name_without_a_close_match_lists_the_tasks():
    with pytest.raises(TaskError, match="known tasks: .*shakespeare_lm"):
        get_task("zzz")


@pytest.mark.parametrize("size", [0, 2, 1000, True, "1"])
def test_unsupported_size_names_the_sizes(size):
    with pytest.raises(TaskError, match="has sizes 1, 10, 100"):
        get_task("digits_mlp", size)


def test_missing_fashion_mnist_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv(data.FASHION_MNIST_ENV, str(tmp_path))
    registry._build.cache_clear()
    try:
        with pytest.raises(TaskError, match="apt-get install -y dataset-fashion-mnist") as info:
            get_task("fashion_mnist")
        assert str(info.value).count(".") >= 1 and "\n" not in str(info.value)
    finally:
        registry._build.cache_clear()


def test_public_interface():
    for name in ["Task", "TaskError", "get_task", "task_names", "train_optax"]:
        assert name in proxy_tasks.__all__
    assert issubclass(TaskError, Exception)


def test_search_tuning_and_report_seeds_are_disjoint():
    tuning, report = set(proxy_tasks.tuning_seeds(5)), set(proxy_tasks.report_seeds(5))
    assert not tuning & report
    assert all(get_task(name).seed not in tuning | report for name in task_names())
    assert min(tuning) == registry.TUNING_SEED_START > registry.SEED
