"""The one rule for every output (engine.files.atomic.check_output): a new name or a regular file
that is no input; a device, FIFO, socket, folder or symbolic link is refused, and so is a file this
process read, by device and inode however it is spelled."""

from __future__ import annotations

import os
import socket

import pytest

from engine.files.atomic import WriteError, check_output, note_input, write_text_atomic


def refusal(path) -> str:
    with pytest.raises(WriteError) as info:
        check_output(path)
    return info.value.message


def test_a_new_name_and_a_regular_file_are_accepted(tmp_path):
    check_output(tmp_path / "新.json")
    (tmp_path / "旧.json").write_text("{}", encoding="utf-8")
    check_output(tmp_path / "旧.json")


def test_a_device_is_refused():
    assert refusal("/dev/null").startswith("是设备文件，不是普通文件")


def test_a_fifo_is_refused(tmp_path):
    os.mkfifo(tmp_path / "管道")
    assert refusal(tmp_path / "管道").startswith("是命名管道（FIFO），不是普通文件")


def test_a_socket_is_refused(tmp_path):
    path = tmp_path / "s.sock"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))
        assert refusal(path).startswith("是套接字，不是普通文件")


def test_a_symbolic_link_is_refused_and_its_target_untouched(tmp_path):
    target = tmp_path / "真.json"
    target.write_text("原样", encoding="utf-8")
    (tmp_path / "链.json").symlink_to(target)
    with pytest.raises(WriteError) as info:
        write_text_atomic(tmp_path / "链.json", "新内容")
    assert info.value.message.startswith("是符号链接")
    assert target.read_text(encoding="utf-8") == "原样" and (tmp_path / "链.json").is_symlink()


def test_a_dangling_symbolic_link_is_refused(tmp_path):
    (tmp_path / "链.json").symlink_to(tmp_path / "不存在.json")
    assert refusal(tmp_path / "链.json").startswith("是符号链接")
    assert not (tmp_path / "不存在.json").exists()


def test_a_folder_is_refused(tmp_path):
    assert refusal(tmp_path).startswith("是文件夹")


def test_an_input_is_refused_by_inode_also_through_a_hard_link(tmp_path):
    source = tmp_path / "申报.json"
    source.write_text("{}", encoding="utf-8")
    os.link(source, tmp_path / "另一个名字.json")
    note_input(source)
    assert refusal(source).startswith("是本次读取的输入文件；不覆盖输入")
    assert refusal(tmp_path / "另一个名字.json").startswith(f"是本次读取的输入文件（即 {source}）")


def test_a_later_file_on_a_freed_inode_is_no_input(tmp_path):
    source = tmp_path / "申报.json"
    source.write_text("{}", encoding="utf-8")
    note_input(source)
    source.unlink()
    later = tmp_path / "后来.json"
    later.write_text("{}", encoding="utf-8")  # may get the same inode; its ctime differs
    check_output(later)
