"""refkit.parse"""
