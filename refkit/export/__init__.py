"""refkit.export"""
