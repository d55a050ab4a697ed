"""refkit.evaluation"""
