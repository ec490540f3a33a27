"""LoDTensor, create_lod_tensor, create_random_int_lodtensor: fluid 1.8's methods, lengths
checked against the data, and feeding (the LoD is metadata: the kernels see the array)."""
import numpy as np
import pytest

import minifluid as fluid

CPU = fluid.CPUPlace()


def test_a_list_of_sequences_becomes_int64_rows_with_its_lod():
    t = fluid.create_lod_tensor([[1, 2], [3, 4, 5]], [[2, 3]], CPU)
    a = np.array(t)
    assert a.dtype == np.int64 and a.shape == (5, 1)
    np.testing.assert_array_equal(a.ravel(), [1, 2, 3, 4, 5])
    assert t.shape() == [5, 1]
    assert t.lod() == [[0, 2, 5]]
    assert t.recursive_sequence_lengths() == [[2, 3]]
    assert t.has_valid_recursive_sequence_lengths()


def test_an_array_keeps_its_dtype_and_two_levels_are_checked_against_each_other():
    data = np.arange(12, dtype=np.float32).reshape(6, 2)
    t = fluid.create_lod_tensor(data, [[2, 1], [1, 3, 2]], CPU)  # 2 + 1 = 3 sequences below
    np.testing.assert_array_equal(np.array(t), data)
    assert np.array(t).dtype == np.float32
    assert t.lod() == [[0, 2, 3], [0, 1, 4, 6]]
    with pytest.raises(ValueError, match=r"create_lod_tensor: recursive_seq_lens "
                                         r"\[\[2, 2\], \[1, 3, 2\]\] do not fit 'data' of shape "
                                         r"\[6, 2\]: level 0 lengths \[2, 2\] sum to 4, but must "
                                         r"sum to the 3 sequences of level 1"):
        fluid.create_lod_tensor(data, [[2, 2], [1, 3, 2]], CPU)


def test_lengths_that_do_not_sum_to_the_rows_are_a_value_error():
    with pytest.raises(ValueError, match=r"level 0 lengths \[2, 2\] sum to 4, but must sum to "
                                         r"the data's 5 rows"):
        fluid.create_lod_tensor(np.zeros((5, 1)), [[2, 2]], CPU)
    with pytest.raises(ValueError, match=r"the sequences in 'data' have lengths \[1, 2\], but "
                                         r"recursive_seq_lens is \[\[2, 1\]\]"):
        fluid.create_lod_tensor([[1], [2, 3]], [[2, 1]], CPU)
    with pytest.raises(ValueError, match="holds a negative number"):
        fluid.create_lod_tensor(np.zeros((1, 1)), [[2, -1]], CPU)


def test_bad_kinds_are_type_errors():
    with pytest.raises(TypeError, match="argument 'data' must be a numpy array, a LoDTensor"):
        fluid.create_lod_tensor("abc", [[3]], CPU)
    with pytest.raises(TypeError, match="argument 'recursive_seq_lens' must be a list of lists"):
        fluid.create_lod_tensor(np.zeros((2, 1)), [2], CPU)
    with pytest.raises(TypeError, match="argument 'recursive_seq_lens' must be a list of lists"):
        fluid.create_lod_tensor(np.zeros((2, 1)), np.array([[1.0, 1.0]]), CPU)  # not ints


def test_integer_arrays_are_taken_for_the_lengths():
    # the book's word2vec: create_lod_tensor(data, numpy.asarray([[1]], dtype=numpy.int64), place)
    t = fluid.create_lod_tensor(np.array([[211]], np.int64), np.asarray([[1]], np.int64), CPU)
    assert t.recursive_sequence_lengths() == [[1]] and t.lod() == [[0, 1]]
    t = fluid.create_lod_tensor(np.zeros((5, 1)), [np.array([2, 3])], CPU)
    assert t.recursive_sequence_lengths() == [[2, 3]]
    with pytest.raises(TypeError, match="a list 'data' holds word ids and becomes int64"):
        fluid.create_lod_tensor([[0.5], [1.5]], [[1, 1]], CPU)  # fluid would truncate these


def test_core_lod_tensor_methods_as_fluid_scripts_use_them():
    t = fluid.core.LoDTensor()
    assert fluid.LoDTensor is fluid.core.LoDTensor
    assert t.shape() == [] and not t.has_valid_recursive_sequence_lengths()
    t.set(np.ones((4, 3), "float32"), CPU)
    t.set_lod([[0, 1, 4]])
    assert t.recursive_sequence_lengths() == [[1, 3]]
    t.set_recursive_sequence_lengths([[2, 0, 2]])  # an empty sequence is allowed
    assert t.lod() == [[0, 2, 2, 4]]
    with pytest.raises(ValueError, match=r"set_recursive_sequence_lengths: the lengths "
                                         r"\[\[1, 1\]\] do not fit the data of shape \[4, 3\]"):
        t.set_recursive_sequence_lengths([[1, 1]])
    with pytest.raises(ValueError, match=r"set_lod: level 0 offsets \[1, 4\] must start at 0"):
        t.set_lod([[1, 4]])
    with pytest.raises(ValueError, match=r"set_lod: level 0 offsets \[0, 3, 2, 4\] must start "
                                         r"at 0 and not decrease"):
        t.set_lod([[0, 3, 2, 4]])
    with pytest.raises(ValueError, match="do not fit the new array of shape"):
        t.set(np.ones((3, 3)), CPU)  # the lengths already set sum to 4
    assert t.recursive_sequence_lengths() == [[2, 0, 2]]  # a refused call changes nothing
    with pytest.raises(ValueError, match="holds no data yet"):
        np.array(fluid.LoDTensor())


def test_a_lod_tensor_is_copied_and_can_be_made_from_another():
    a = np.zeros((3, 1), "float32")
    t = fluid.create_lod_tensor(a, [[3]], CPU)
    a[0] = 7  # fluid's set copies
    assert np.array(t)[0, 0] == 0
    np.array(t)[1] = 5  # np.array copies too
    assert np.array(t)[1, 0] == 0
    u = fluid.create_lod_tensor(t, [[1, 2]], CPU)
    assert u.lod() == [[0, 1, 3]] and t.lod() == [[0, 3]]


def test_feeding_a_lod_tensor_feeds_its_array(fresh, place):
    words = fluid.data("words", [-1, 1], "int64", lod_level=1)
    doubled = fluid.layers.scale(fluid.layers.cast(words, "float32"), 2.0)
    t = fluid.create_lod_tensor([[1, 2], [3, 4, 5]], [[2, 3]], place)
    got, = fluid.Executor(place).run(fresh, {"words": t}, [doubled])
    np.testing.assert_array_equal(got.ravel(), [2, 4, 6, 8, 10])


def test_create_random_int_lodtensor_draws_ints_in_the_closed_range():
    t = fluid.create_random_int_lodtensor([[2, 3]], [2], CPU, 0, 3)
    a = np.array(t)
    assert a.shape == (5, 2) and a.dtype == np.int64 and t.lod() == [[0, 2, 5]]
    assert a.min() >= 0 and a.max() <= 3
    many = np.array(fluid.create_random_int_lodtensor([[400]], [1], CPU, 5, 6))
    assert set(many.ravel()) == {5, 6}  # high is included, as in fluid
    with pytest.raises(ValueError, match="low <= high"):
        fluid.create_random_int_lodtensor([[1]], [1], CPU, 4, 3)
