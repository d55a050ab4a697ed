"""refkit.resolve"""
