"""Holds a TCP port on 127.0.0.1 that nothing listens on: bound (so no other process can take it) but
never listening, so a connection to it is refused at once. Prints the port, then holds it until stdin
closes.

Usage: held_port.py
"""
import socket
import sys

held = socket.socket()
held.bind(("127.0.0.1", 0))
print(held.getsockname()[1], flush=True)
sys.stdin.read()
